// Behaviour of the admin forms, attached by data attribute (the CSP runs no inline script):
//   data-show-when="kind=education"  shows the field only while #kind has that value (a
//                                    comma-separated list of values is allowed)
//   data-suggest-url="..."           on a select: pre-fills the value the server suggests for
//                                    the household figures typed, until the user chooses one
// and keeps a date picker from covering the "add a line" button of an inline list.
(function ($) {
  "use strict";
  if (!$) { return; }

  function group(el) { return $(el).closest(".form-group"); }

  // --- fields shown for one kind only -------------------------------------------------
  function showWhen() {
    $("[data-show-when]").each(function () {
      var rule = this.getAttribute("data-show-when").split("=");
      var value = $("#" + rule[0]).val();
      group(this).toggle(rule[1].split(",").indexOf(value) >= 0);
    });
  }

  // --- the suggested category ---------------------------------------------------------
  function members() {
    return $("#members .inline-field-list > .inline-field").filter(function () {
      return !$(this).find("input[name^='del-']").is(":checked");
    }).length;
  }

  function suggest($select) {
    var url = $select.attr("data-suggest-url");
    var query = $.param({
      household_income: $("#household_income").val() || "",
      essential_spending: $("#essential_spending").val() || "",
      household_size: $("#household_size").val() || "",
      members: members()
    });
    var asked = ($select.data("asked") || 0) + 1;
    $select.data("asked", asked);
    $.getJSON(url + "?" + query, function (answer) {
      if ($select.data("asked") !== asked) { return; }  // a later question is on its way
      var hint = $("#" + $select.attr("id") + "-suggestion");
      if (!hint.length) {
        hint = $("<small class='form-text text-info'></small>")
          .attr("id", $select.attr("id") + "-suggestion");
        group($select).append(hint);
      }
      hint.text(answer.hint || "");
      if (!$select.data("chosen")) {  // the user's own choice stays
        $select.data("filling", true);
        $select.val(answer.category || "__None").trigger("change");
        $select.data("filling", false);
      }
    });
  }

  function watchSuggestion($select) {
    var value = $select.val();
    $select.data("chosen", Boolean(value && value !== "__None"));
    $select.on("change", function () {
      if (!$select.data("filling")) { $select.data("chosen", true); }
    });
    var again = function () { suggest($select); };
    $("#household_income, #essential_spending, #household_size").on("input change", again);
    var list = document.querySelector("#members .inline-field-list");
    if (list && window.MutationObserver) {
      new MutationObserver(again).observe(list, { childList: true });
    }
    $(document).on("change", "#members input[name^='del-']", again);
  }

  // --- a date picker never covers an "add a line" button ----------------------------------
  function overlaps(a, b) {
    return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  }

  function coversAddButton(picker) {
    var box = picker.container[0].getBoundingClientRect();
    return $("[data-inline-add]:visible").toArray().some(function (button) {
      return overlaps(box, button.getBoundingClientRect());
    });
  }

  // On the body, not the document: a picker's hide() removes every ".daterangepicker"
  // handler from the document.
  $(document.body).on("show.daterangepicker", function (event, picker) {
    if (!picker || !picker.container) { return; }
    picker.drops = "down";
    picker.move();
    if (coversAddButton(picker)) {
      picker.drops = "up";
      picker.move();
    }
  });

  $(function () {
    showWhen();
    $("[data-show-when]").each(function () {
      $("#" + this.getAttribute("data-show-when").split("=")[0]).on("change", showWhen);
    });
    $("select[data-suggest-url]").each(function () { watchSuggestion($(this)); });
  });
})(window.jQuery);
