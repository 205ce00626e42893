// The stocktake count sheet: live differences, Enter to the next row, find a row by barcode
// or name (admin/stocktake_count.html).
(function () {
  var inputs = Array.prototype.slice.call(document.querySelectorAll('#count-sheet input.counted'));
  inputs.forEach(function (input, i) {
    var row = input.closest('tr');
    input.addEventListener('input', function () {
      var book = parseInt(row.dataset.book, 10), counted = parseInt(input.value, 10);
      var diff = isNaN(counted) ? 0 : counted - book;
      row.querySelector('.diff').textContent = diff ? (diff > 0 ? '+' : '') + diff : '';
      row.classList.toggle('differs', diff !== 0);
    });
    input.addEventListener('keydown', function (e) {
      if (e.key === 'Enter') {
        e.preventDefault();
        var next = inputs[i + 1];
        if (next) { next.focus(); next.select(); }
      }
    });
  });
  var find = document.getElementById('find-line');
  if (find) {
    find.addEventListener('keydown', function (e) {
      if (e.key !== 'Enter') { return; }
      e.preventDefault();
      var q = find.value.trim();
      if (!q) { return; }
      var row = Array.prototype.find.call(document.querySelectorAll('#count-sheet tbody tr'), function (r) {
        return r.dataset.barcode === q || r.dataset.name.indexOf(q) >= 0;
      });
      document.querySelectorAll('#count-sheet tr.found').forEach(function (r) { r.classList.remove('found'); });
      if (row) {
        row.classList.add('found');
        var input = row.querySelector('input.counted');
        input.focus(); input.select();
        find.value = '';
      }
    });
    find.focus();
  }
})();
