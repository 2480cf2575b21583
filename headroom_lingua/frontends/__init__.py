"""Front ends, side by side: each turns its input (plain text, documents with a question, chat
messages) into pieces, calls the engine's ``fit`` and builds its result. None imports another."""
