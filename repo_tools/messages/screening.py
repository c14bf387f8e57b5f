"""What `repo_tools/screening` says to its users, sentence by sentence (Simplified Chinese).

Ids are `<concern>.<module>.<function>.<n>`: where the sentence is said. A template with
`{fields}` is filled by `say(id, **fields)`; one said without fields is returned as written.
"""
from __future__ import annotations

TEXT: dict[str, str] = {
    'screening.images.looks_active.1': 'HTML 网页',
    'screening.images.looks_active.2': 'HTML/XML 网页',
    'screening.images.looks_active.3': '含脚本的网页',
    'screening.names.name_problem.1': '名称为空',
    'screening.names.name_problem.2': '名称长 {len_raw} 字节，超过 {max_name_bytes} 字节',
    'screening.names.name_problem.3': '名称中含有路径分隔符（/ 或 \\）',
    'screening.names.name_problem.4': '名称中含有控制字符',
    'screening.names.name_problem.5': '名称不是有效的 UTF-8 文字',
    'screening.names.name_problem.6': '名称“{name}”指向目录本身或上级目录',
    'screening.names.name_problem.7': '名称“{name}”在某些系统上等同于“{value}”',
    'screening.names.name_problem.8': '名称“{name}”在某些系统上等同于 Git 的控制文件（.git…）',
    'screening.names.name_problem.9': '名称中含有冒号（Windows 上是数据流分隔符）',
    'screening.names.name_problem.10': '名称以空格或句点结尾（Windows 会去掉它们，改变文件名）',
    'screening.names.name_problem.11': '名称“{name}”是 Windows 的设备名',
    'screening.names.mode_problem.1': '是{what}，文档仓库中不允许',
    'screening.names.mode_problem.2': '模式 {mode_decode} 不是普通文件或目录',
    'screening.objects.parse_tree.1': '条目在第 {i} 字节处不完整',
    'screening.objects.parse_tree.2': '条目模式“{mode!r}”不是数字',
    'screening.objects.walk.1': '推送的对象',
    'screening.objects._peel.1': '对象 {oid} 不存在',
    'screening.objects._peel.2': '标签链超过 {max_tag_chain} 层',
    'screening.objects._descend.1': '树对象 {oid} 无法读取',
    'screening.objects._descend.2': '树对象 {oid} 格式错误：{exc}',
    'screening.svg.css_problems.1': '样式中的脚本或外部引用（@import 等）',
    'screening.svg.css_problems.2': '样式中的外部引用 url({target})',
    'screening.svg.css_problems.3': '样式中的外部引用 url(…)',
    'screening.svg.svg_problems.1': '无法识别文字编码',
    'screening.svg.svg_problems.2': '外部样式表（xml-stylesheet）',
    'screening.svg.svg_problems.3': '实体或外部 DTD 声明',
    'screening.svg.svg_problems.4': '根元素 <{local_tag}> 不是 svg',
    'screening.svg.svg_problems.5': '<{tag}> 元素',
    'screening.svg.svg_problems.6': '动画改写属性 {target}',
    'screening.svg.svg_problems.7': '事件处理属性 {local}',
    'screening.svg.svg_problems.8': '外部引用 {value_strip}',
    'screening.svg.svg_problems.9': '外部或脚本地址',
    'screening.names.name_problem.12': '空',
}
