// Users & Roles: list the account's users; the Owner and Administrators add, re-role and remove them.
import { api } from "./api.js";
import { boot } from "./boot.js";
import { secretField } from "./copy.js";
import { announce, el, show } from "./dom.js";
import { errorText, formatDate, t } from "./i18n.js";

const main = document.getElementById("main");
const status = el("p", { class: "status", role: "status", "aria-live": "polite" });
const roleLabel = (role) => t(`role.${role}`);

function roleCell(user) {
  const protectedRow = user.role === "Owner" || user.id === boot.me.id;
  if (!boot.canManage || protectedRow) return el("td", { text: roleLabel(user.role) });
  const select = el(
    "select",
    { "aria-label": t("users.role_of", { name: user.name }), onchange: () => changeRole(user, select) },
    boot.assignableRoles.map((role) => el("option", { value: role, selected: role === user.role }, roleLabel(role))),
  );
  return el("td", {}, select);
}

// Private keys: a service user's (the Owner and Administrators), or one's own.
const mayHoldKey = (user) => user.id === boot.me.id || (boot.canManage && user.user_type === "service");

function actionsCell(user) {
  const actions = el("div", { class: "row-actions" });
  const cell = el("td", {}, actions);
  if (mayHoldKey(user)) {
    actions.append(el("button", { type: "button", class: "icon", onclick: () => openKeyDialog(user),
      "aria-label": t("keys.private_key_of", { name: user.name }), title: t("keys.private_key_of", { name: user.name }) },
      el("img", { src: "/static/key.svg", alt: "", width: 18, height: 18 }),
      user.has_private_key ? el("span", { class: "dot", "aria-hidden": "true" }) : null));
  }
  if (boot.canManage && user.role !== "Owner" && user.id !== boot.me.id) {
    actions.append(el("button", { type: "button", class: "danger", onclick: () => removeUser(user),
      "aria-label": t("users.remove_named", { name: user.name }) }, t("users.remove")));
  }
  return cell;
}

function openKeyDialog(user) {
  const body = el("div", { class: "dialog-body" },
    el("p", {}, user.has_private_key ? t("keys.regenerate_warning") : t("keys.generate_help")));
  const generate = el("button", { type: "button", class: "primary" }, t("keys.generate"));
  const close = el("button", { type: "button" }, t("common.close"));
  const dialog = el("dialog", { class: "card", "aria-labelledby": "key-dialog-title", id: "key-dialog" },
    el("h2", { id: "key-dialog-title" }, t("keys.private_key_of", { name: user.name })), body,
    el("div", { class: "actions" }, generate, close));
  close.addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => { dialog.remove(); load(); });
  generate.addEventListener("click", async () => {
    generate.disabled = true;
    try {
      const result = await api("POST", `/web/api/users/${user.id}/private-key/`);
      generate.remove();
      body.replaceChildren(
        el("p", { class: "warning", role: "alert" }, t("keys.save_private_key")),
        secretField("key-email", t("users.email"), result.email),
        secretField("key-value", t("keys.private_key"), result.private_key),
      );
    } catch (error) {
      generate.disabled = false;
      body.append(el("p", { class: "alert", role: "alert" }, errorText(error)));
    }
  });
  document.body.append(dialog);
  dialog.showModal();
  generate.focus();
}

function renderTable(users) {
  const rows = users.map((user) =>
    el(
      "tr",
      { "data-user-id": user.id },
      el("td", {}, el("span", { text: user.name }), user.id === boot.me.id ? el("span", { class: "tag" }, t("users.you")) : null),
      el("td", { text: user.email }),
      roleCell(user),
      el("td", { text: t(`user_type.${user.user_type}`) }),
      el("td", { text: formatDate(user.created_at) }),
      actionsCell(user),
    ),
  );
  return el(
    "table",
    { class: "table", id: "users-table" },
    el("caption", { class: "visually-hidden" }, t("nav.users")),
    el("thead", {}, el("tr", {}, ["users.name", "users.email", "users.role", "users.type", "users.added", "users.actions"]
      .map((key) => el("th", { scope: "col" }, t(key))))),
    el("tbody", {}, rows),
  );
}

function renderAddForm() {
  const field = (id, label, input) => el("div", { class: "field" }, el("label", { for: id }, label), input);
  const form = el(
    "form",
    { class: "card form-grid", id: "add-user", onsubmit: (event) => addUser(event, form) },
    el("h2", {}, t("users.add_title")),
    field("new-name", t("users.name"), el("input", { id: "new-name", name: "name", required: true, maxlength: 200 })),
    field("new-email", t("users.email"), el("input", { id: "new-email", name: "email", type: "email", required: true, maxlength: 254 })),
    field("new-role", t("users.role"), el("select", { id: "new-role", name: "role" },
      boot.assignableRoles.map((role) => el("option", { value: role }, roleLabel(role))))),
    field("new-password", t("users.password"), el("input", { id: "new-password", name: "password", type: "password",
      required: true, minlength: 10, maxlength: 256, autocomplete: "new-password" })),
    el("div", { class: "actions" }, el("button", { type: "submit", class: "primary" }, t("users.add"))),
  );
  return form;
}

function renderServiceForm() {
  const field = (id, label, input) => el("div", { class: "field" }, el("label", { for: id }, label), input);
  const form = el(
    "form",
    { class: "card form-grid", id: "add-service-user" },
    el("h2", {}, t("users.add_service_title")),
    el("p", { class: "muted" }, t("users.service_help")),
    field("svc-name", t("users.name"), el("input", { id: "svc-name", name: "name", required: true, maxlength: 200 })),
    field("svc-role", t("users.role"), el("select", { id: "svc-role", name: "role" },
      boot.assignableRoles.map((role) => el("option", { value: role, selected: role === "Chat Manager" }, roleLabel(role))))),
    el("div", { class: "actions" }, el("button", { type: "submit", class: "primary" }, t("users.add_service"))),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = Object.fromEntries(new FormData(form));
    try {
      const user = await api("POST", "/web/api/service-users/", data);
      await load();
      announce(status, t("users.added_named", { name: user.name }), "success");
      openKeyDialog(user);
    } catch (error) {
      announce(status, errorText(error), "error");
    }
  });
  return form;
}

async function load() {
  try {
    const users = await api("GET", "/web/api/users/");
    show(main, 
      el("h1", {}, t("nav.users")),
      status,
      users.length ? renderTable(users) : el("p", { class: "empty" }, t("users.empty")),
      boot.canManage ? renderAddForm() : el("p", { class: "muted" }, t("users.read_only")),
      boot.canManage ? renderServiceForm() : null,
    );
  } catch (error) {
    show(main, el("h1", {}, t("nav.users")), el("p", { class: "alert", role: "alert" }, errorText(error)),
      el("button", { type: "button", onclick: load }, t("common.retry")));
  }
}

async function addUser(event, form) {
  event.preventDefault();
  const data = Object.fromEntries(new FormData(form));
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    await api("POST", "/web/api/users/", data);
    await load();
    announce(status, t("users.added_named", { name: data.name }), "success");
  } catch (error) {
    announce(status, errorText(error), "error");
  } finally {
    button.disabled = false;
  }
}

async function changeRole(user, select) {
  try {
    await api("PATCH", `/web/api/users/${user.id}/`, { role: select.value });
    announce(status, t("users.role_changed", { name: user.name }), "success");
  } catch (error) {
    select.value = user.role;
    announce(status, errorText(error), "error");
  }
}

async function removeUser(user) {
  if (!window.confirm(t("users.confirm_remove", { name: user.name }))) return;
  try {
    await api("DELETE", `/web/api/users/${user.id}/`);
    await load();
    announce(status, t("users.removed_named", { name: user.name }), "success");
  } catch (error) {
    announce(status, errorText(error), "error");
  }
}

load();
