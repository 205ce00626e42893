// The hardship certificate's print page: the Print button first records the print (a POST
// with the form's CSRF token), then opens the browser's print dialog. Without script, or if
// the request fails, the form is sent as usual and the page comes back with the print
// recorded.
(function () {
  "use strict";
  var form = document.getElementById("certificate-print-form");
  if (!form || !window.fetch || !window.FormData) { return; }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    window.fetch(form.action, {
      method: "POST", body: new window.FormData(form), credentials: "same-origin",
      headers: {"X-Requested-With": "fetch"}
    }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    }).then(function (data) {
      var count = document.getElementById("certificate-print-count");
      if (count && data.count_text) { count.textContent = data.count_text; }
      window.print();
    }).catch(function () { form.submit(); });
  });
})();
