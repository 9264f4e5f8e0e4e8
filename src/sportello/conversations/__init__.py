"""A conversation read whole: the wire `Chat` (with its contact and last message), the wire
`Contact` (with its chat), and the live events that carry them. It sits above contacts, chats,
messages, payments and templates, which never import it; routes and the app put it to use."""
