// Behaviour the admin templates attach by data attribute: the Content-Security-Policy runs
// no inline event handlers (onclick="..."), so every page gets them from this file.
//   data-confirm="question"  asks before the click goes on (a form is not sent on "no")
//   data-action="name"        runs the list's bulk action (Flask-Admin's modelActions)
//   data-inline-add="id"      adds an inline form (Flask-Admin's faForm)
//   data-print                prints the page
//   data-autosubmit           sends the field's form when its value changes
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) { return; }
    // Flask-Admin's placeholder links (href="javascript:void(0)") would be refused by the CSP.
    if (target.closest("a[href^='javascript:']")) { event.preventDefault(); }

    var asking = target.closest("[data-confirm]");
    if (asking && !window.confirm(asking.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
      return;
    }
    var action = target.closest("[data-action]");
    if (action && window.modelActions) {
      event.preventDefault();
      window.modelActions.execute(action.getAttribute("data-action"));
    }
    var adding = target.closest("[data-inline-add]");
    if (adding && window.faForm) {
      event.preventDefault();
      window.faForm.addInlineField(adding, adding.getAttribute("data-inline-add"));
    }
    if (target.closest("[data-print]")) { window.print(); }
  }, true);  // capturing: Flask-Admin's menu script stops the click before it bubbles up

  document.addEventListener("change", function (event) {
    var field = event.target instanceof Element ? event.target.closest("[data-autosubmit]") : null;
    if (field && field.form) { field.form.submit(); }
  });
})();
