"""Gemini: generateContent, its field names (wire) and errors."""
