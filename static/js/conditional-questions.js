// A round's question asked only for a given answer to an earlier question on the same page
// (templates/applications/includes/questions.html): hidden until that answer is chosen. Without this script every
// question shows and says when to answer it; the server ignores an answer to a question that was not asked.
export function initConditionalQuestions(root = document) {
  const dependants = root.querySelectorAll("[data-shown-if-name]");
  if (!dependants.length) return;
  const form = dependants[0].closest("form");
  const update = () => {
    for (const el of dependants) {
      const name = el.getAttribute("data-shown-if-name");
      const wanted = el.getAttribute("data-shown-if-value").toLocaleLowerCase();
      const chosen = [...form.querySelectorAll(`[name="${CSS.escape(name)}"]:checked`)].map((i) => i.value.toLocaleLowerCase());
      el.hidden = !chosen.includes(wanted);
    }
  };
  form.addEventListener("change", update);
  update();
}
