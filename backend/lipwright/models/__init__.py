"""Speech-to-motion models behind one interface, loaded once and reused."""
