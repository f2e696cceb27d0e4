// Initialise GOV.UK Frontend components. Loaded as an external ES module
// (<script type="module">) so it runs under the strict CSP (script-src 'self').
import { initAll } from "/static/govuk/govuk-frontend.min.js";
import { initConditionalQuestions } from "/static/js/conditional-questions.js";

document.body.classList.add("js-enabled");
if ("noModule" in HTMLScriptElement.prototype) {
  document.body.classList.add("govuk-frontend-supported");
}

initAll();
initConditionalQuestions();
