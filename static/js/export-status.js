// While an export is being prepared, check every 2 seconds and reload once it is ready or has failed.
// Without JavaScript the "Check again" button does the same, and shows the step the build has reached.
const panel = document.getElementById("export-status");
if (panel && panel.dataset.status === "pending") {
  const poll = async () => {
    const response = await fetch(panel.dataset.statusUrl, { headers: { Accept: "application/json" } });
    const { status, progress } = await response.json();
    if (status !== "pending") window.location.reload();
    else {
      // "Step 3 of 8: Victims Fund", read out by screen readers as it changes (the paragraph is aria-live).
      const line = document.getElementById("export-progress");
      if (line && progress && line.textContent !== progress) {
        line.replaceChildren(Object.assign(document.createElement("strong"), { textContent: progress }));
      }
      setTimeout(poll, 2000);
    }
  };
  setTimeout(poll, 2000);
}
