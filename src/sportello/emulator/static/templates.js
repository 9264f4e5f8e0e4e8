// The emulator's template review page: lists what businesses submitted; approve or reject by hand.
const body = document.querySelector("#templates tbody");
const reasons = ["INVALID_FORMAT", "PROMOTIONAL", "ABUSIVE_CONTENT", "INCORRECT_CATEGORY", "TAG_CONTENT_MISMATCH", "SCAM"];

function cell(text) {
  const td = document.createElement("td");
  td.textContent = text;
  return td;
}

async function decide(id, decision, reason) {
  await fetch(`/_emulator/templates/${id}/review`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ decision, reason }),
  });
  await load();
}

async function load() {
  const templates = await (await fetch("/_emulator/templates")).json();
  document.getElementById("empty").hidden = templates.length > 0;
  body.replaceChildren(...templates.map((t) => {
    const row = document.createElement("tr");
    row.dataset.templateId = t.id;
    const text = (t.components.find((c) => String(c.type).toUpperCase() === "BODY") || {}).text || "";
    row.append(cell(t.name), cell(t.language), cell(t.category), cell(text), cell(t.status + (t.status === "REJECTED" ? ` (${t.reason})` : "")));
    const actions = document.createElement("td");
    const approve = document.createElement("button");
    approve.type = "button";
    approve.textContent = "Approve";
    approve.addEventListener("click", () => decide(t.id, "approve"));
    const reason = document.createElement("select");
    reason.setAttribute("aria-label", `Reason to reject ${t.name}`);
    for (const r of reasons) reason.append(new Option(r, r));
    const reject = document.createElement("button");
    reject.type = "button";
    reject.textContent = "Reject";
    reject.addEventListener("click", () => decide(t.id, "reject", reason.value));
    actions.append(approve, reason, reject);
    row.append(actions);
    return row;
  }));
}

load();
setInterval(load, 2000);
