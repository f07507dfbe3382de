// New order page: narrow the customer list to the entries matching what is typed in the customer search.
// A file rather than an inline script, so the Content-Security-Policy can forbid inline scripts.
(function () {
  var search = document.getElementById("customer-search");
  var select = document.querySelector('select[name="customer_code"]');
  if (search === null || select === null) { return; }
  search.addEventListener("input", function () {
    var needle = search.value.trim().toLowerCase(), first = null;
    Array.prototype.forEach.call(select.options, function (option) {
      var match = option.text.toLowerCase().indexOf(needle) !== -1;
      option.hidden = !match;
      if (match && first === null) { first = option; }
    });
    if (first !== null && select.selectedOptions[0] && select.selectedOptions[0].hidden) { first.selected = true; }
  });
})();
