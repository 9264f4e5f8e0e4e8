
// Init Spoki iFrame, you can open every Spoki page you need
function initSpokiIframe() {
  const headers = new Headers();
  headers.append("Content-Type", "application/json");
  headers.append("X-Spoki-Api-Key", "{{Api-Key}}");

  const body = JSON.stringify({
    email: "{{Email}}",
    private_key: "{{Private-Key}}"
  });

  const requestOptions = {
    method: "POST",
    headers,
    body,
    redirect: "follow"
  };

  fetch("https://app.spoki.it/api/1/auth/get_authentication_token/", requestOptions)
    .then(response => response.json())
    .then(({ token, uid }) => {
      // Call it if you need to subscribe to Spoki events
      subscribeToSpoki();

      // the slug of the Spoki page you want to open
      const pageSlug = "chats";

      const iframeParent = document.getElementById("spoki-embedding");
      const iframeEl = document.createElement("iframe");
      iframeEl.setAttribute("frameborder", "0");
      iframeEl.setAttribute("src", `https://spoki.app/${pageSlug}?auth_token=${token}&auth_uid=${uid}&language=en`);
      iframeParent.appendChild(iframeEl);
    })
    .catch(error => console.log("Spoki error", error));
}

// Subscribe to the Spoki iFrame to get notified about events
function subscribeToSpoki() {
  window.addEventListener("message", (event) => {
      if (event.origin !== "https://spoki.app") return;

      const { eventType, data } = event.data;

      switch (eventType) {
        case "hasUnreadChatsChanged":
          /** Unread chats changed (pageSlug: works on every page)
           * hasUnreadChats: boolean
           */
          console.log("Spoki", eventType, data);
          break;
        case "chatsChanged":
          /** The list of chats in the Chats Page changed (pageSlug: chats)
           * chats: Chat[]
           * hasFilters: boolean
           * page: number
           */
          console.log("Spoki", eventType, data);
          break;
        case "chatMessagesChanged":
          /** The list of messages in the Chat Detail Page changed (pageSlug: chats/:uuid)
           * chat: Chat
           * page: number
           * messages: Message[]
           */
          console.log("Spoki", eventType, data);
          break;
        default:
          console.log("Spoki", "Unhandled message event type", eventType, data);
      }
    },
    false
  );
}

// Call on startup
(initSpokiIframe)();
