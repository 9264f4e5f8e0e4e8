// The page's boot data: written by the server as JSON (never executed), read once.
const element = document.getElementById("boot");
export const boot = element ? JSON.parse(element.textContent) : {};
