// The search page: Pagefind's UI over the base bundle plus the delta of recent pages.
(function () {
  var ui = new PagefindUI({
    element: "#search",
    showImages: false,
    showSubResults: true,
    mergeIndex: window.OA_SEARCH_MERGE || [],
    translations: { placeholder: "搜索公文和信息", zero_results: "没有找到与 [SEARCH_TERM] 相关的内容" }
  });
  var q = new URLSearchParams(window.location.search).get("q");
  if (q) { ui.triggerSearch(q); }
})();
