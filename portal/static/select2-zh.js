// The pickers (select2 3.5) in Chinese. Flask-Admin's select2 says "No matches found",
// "Searching…", "Please enter 1 or more character" in English; this file gives every
// picker Chinese words. Loaded on Chinese pages only, after select2 and before
// Flask-Admin's form.js makes the pickers.
(function () {
  "use strict";
  if (!window.jQuery || !window.jQuery.fn.select2) { return; }
  window.jQuery.extend(window.jQuery.fn.select2.defaults, {
    formatMatches: function (n) { return "找到 " + n + " 条结果，按上下方向键选择。"; },
    formatNoMatches: function () { return "未找到匹配项"; },
    formatAjaxError: function () { return "加载失败"; },
    formatInputTooShort: function (input, min) { return "请再输入 " + (min - input.length) + " 个字符"; },
    formatInputTooLong: function (input, max) { return "请删除 " + (input.length - max) + " 个字符"; },
    formatSelectionTooBig: function (limit) { return "最多只能选择 " + limit + " 项"; },
    formatLoadMore: function () { return "正在加载更多结果…"; },
    formatSearching: function () { return "正在查找…"; }
  });
})();
