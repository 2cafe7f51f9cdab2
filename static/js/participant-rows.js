// The verify form's acceptance participants: "Add a participant" copies the last row, emptied, so an
// inspector on a phone adds as many rows as the acceptance had. Without script the form shows three rows.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-add-participant]").forEach(function (button) {
    var rows = button.previousElementSibling;
    if (!rows || !rows.hasAttribute("data-participant-rows")) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var last = rows.lastElementChild;
      if (!last) return;
      var copy = last.cloneNode(true);
      copy.querySelectorAll("input").forEach(function (input) {
        input.value = "";
        input.removeAttribute("id");
      });
      copy.querySelectorAll("select").forEach(function (select) {
        select.selectedIndex = 0;
      });
      rows.appendChild(copy);
      var first = copy.querySelector("input");
      if (first) first.focus();
    });
  });
});
