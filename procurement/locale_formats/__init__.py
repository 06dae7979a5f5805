"""Django's format modules: the same Swiss formats for every language of the desk."""
