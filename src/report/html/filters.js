(function () {
  "use strict";
  var form = document.getElementById("filters");
  var shown = document.getElementById("shown");
  function checked(name) {
    var values = {};
    var boxes = form ? form.querySelectorAll("input[name='" + name + "']") : [];
    for (var i = 0; i < boxes.length; i++) {
      if (boxes[i].checked) { values[boxes[i].value] = true; }
    }
    return values;
  }
  function apply() {
    var ecosystems = checked("ecosystem");
    var kinds = checked("kind");
    var items = document.querySelectorAll("main [data-kind]");
    for (var i = 0; i < items.length; i++) {
      var item = items[i];
      item.hidden = !(ecosystems[item.getAttribute("data-ecosystem")] && kinds[item.getAttribute("data-kind")]);
    }
    // Rows, files and ecosystems with nothing left to show disappear with their items.
    var groups = document.querySelectorAll("tr.need, tbody[data-file], section.ecosystem");
    for (var j = 0; j < groups.length; j++) {
      groups[j].hidden = !groups[j].querySelector("[data-kind]:not([hidden])");
    }
    var hosts = document.querySelectorAll("#hosts tr[data-host]");
    var visible = document.querySelectorAll("#hosts tr[data-host]:not([hidden])");
    if (shown) { shown.textContent = "Showing " + visible.length + " of " + hosts.length + " hosts"; }
  }
  // A link may preselect filters: report.html#ecosystem=python&kind=index,files
  function preselect() {
    var pairs = window.location.hash.replace(/^#/, "").split("&");
    for (var i = 0; i < pairs.length; i++) {
      var parts = pairs[i].split("=");
      if (parts.length !== 2 || !form) { continue; }
      var values = parts[1].split(",").map(decodeURIComponent);
      var boxes = form.querySelectorAll("input[name='" + decodeURIComponent(parts[0]).replace(/[^a-z]/g, "") + "']");
      for (var j = 0; j < boxes.length; j++) {
        boxes[j].checked = values.indexOf(boxes[j].value) >= 0;
      }
    }
  }
  if (form) {
    form.hidden = false;
    preselect();
    form.addEventListener("change", apply);
    apply();
  }
  document.documentElement.setAttribute("data-filters", "ready");
})();
