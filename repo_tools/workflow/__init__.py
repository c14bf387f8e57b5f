"""The 发文 workflow (Art. 3, 12, 30): unit settings, the signed steps 核稿 → 会签 → 签发 → 复核
before the seal, 委托, and the service's carrying of 会签 between units."""
