// The date picker in Chinese. Flask-Admin's bootstrap-daterangepicker takes its day and
// month names from moment.js (English unless told otherwise) and has its button words
// built in: this file gives moment a Chinese locale (weeks start on Monday) and every
// picker Chinese buttons. Loaded on Chinese pages only, after moment.js and before
// Flask-Admin's form.js makes the pickers (its ready handler runs after ours).
(function () {
  "use strict";
  if (!window.moment || !window.jQuery) { return; }
  var months = ["1月", "2月", "3月", "4月", "5月", "6月", "7月", "8月", "9月", "10月",
                "11月", "12月"];
  window.moment.locale("zh-cn", {
    months: ["一月", "二月", "三月", "四月", "五月", "六月", "七月", "八月", "九月", "十月",
             "十一月", "十二月"],
    monthsShort: months,
    weekdays: ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"],
    weekdaysShort: ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
    weekdaysMin: ["日", "一", "二", "三", "四", "五", "六"],
    week: { dow: 1, doy: 4 }
  });
  var words = { applyLabel: "确定", cancelLabel: "取消", fromLabel: "从", toLabel: "至",
                weekLabel: "周", customRangeLabel: "自定义" };
  window.jQuery(function ($) {
    var make = $.fn.daterangepicker;
    if (!make) { return; }
    $.fn.daterangepicker = function (options, callback) {
      options = $.extend({}, options);
      options.locale = $.extend({}, words, options.locale);
      return make.call(this, options, callback);
    };
  });
})();
