// Submits the form_post authorization response to the client as soon as the page loads.
document.addEventListener("DOMContentLoaded", function () { document.forms[0].submit(); });
