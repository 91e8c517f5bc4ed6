// Enhancements shared by every page. The pages work without them.

// After a failed form submission, move focus to the error summary so that
// screen reader users hear what to correct and keyboard users start there.
const summary = document.querySelector("[data-error-summary]");
if (summary) summary.focus();
