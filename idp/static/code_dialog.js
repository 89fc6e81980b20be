// The code screen as in the user guide: the code is asked in a modal dialog over the sign-in
// card. Without JavaScript the dialog stays an ordinary part of the page.
(function () {
  "use strict";
  var dialog = document.getElementById("code-dialog");
  var opener = document.getElementById("code-dialog-opener");
  var field = document.getElementById("code");
  if (!dialog || !opener || !field || typeof dialog.showModal !== "function") {
    return;
  }

  function open() {
    dialog.showModal();
    field.focus();
  }

  // Escape or closing the dialog gives the focus back to the button that opens it again.
  dialog.addEventListener("close", function () { opener.focus(); });
  opener.addEventListener("click", open);
  opener.hidden = false;
  dialog.removeAttribute("open");  // rendered open for browsers without JavaScript
  open();
}());
