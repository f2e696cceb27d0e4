// While a budget import is being checked or saved, update its progress in place every 2 seconds (the status box is
// role="status", so a screen reader hears the new count without the page reloading under it), and reload once the
// job has moved on to its preview or result. Without JavaScript the "check again" link does the same.
const panel = document.querySelector("[data-import-progress]");
if (panel) {
  const poll = async () => {
    const response = await fetch(window.location.href, { headers: { Accept: "text/html" } });
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = page.querySelector("[data-import-progress]");
    if (!fresh) {
      window.location.reload();
      return;
    }
    panel.innerHTML = fresh.innerHTML;
    setTimeout(poll, 2000);
  };
  setTimeout(poll, 2000);
}
