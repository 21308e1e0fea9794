/** The chat page script (placeholder until the chat page lands). */
