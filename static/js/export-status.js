// While an export is being prepared, check every 2 seconds and reload once it is ready or has failed.
// Without JavaScript the "Check again" button does the same.
const panel = document.getElementById("export-status");
if (panel && panel.dataset.status === "pending") {
  const poll = async () => {
    const response = await fetch(panel.dataset.statusUrl, { headers: { Accept: "application/json" } });
    const { status } = await response.json();
    if (status !== "pending") window.location.reload();
    else setTimeout(poll, 2000);
  };
  setTimeout(poll, 2000);
}
