"""One module per kind of notice; the registry imports every module of this package."""
