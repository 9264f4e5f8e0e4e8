"""PayPal payment requests in chat: the account's PayPal settings, the requests and their short links."""
