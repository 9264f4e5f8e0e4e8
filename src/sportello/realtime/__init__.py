"""Live events: a durable, numbered log per account, a bus that wakes listeners, and the WebSocket."""
