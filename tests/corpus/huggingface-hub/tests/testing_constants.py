"""Credentials of the sandboxed CI Hub (fixture values, shaped like the real test constants)."""

USER = "__DUMMY_HUB_USER__"
PASS = "__DUMMY_TRANSFORMERS_PASS__"

# Only usable on the sandboxed CI instance.
TOKEN = "hf_HubCITokenXXXXXXXXXXXXXXXXXXXXX"

# Another sandbox user's token, public on purpose (fixture value).
OTHER_TOKEN = "hf_FixtureOnlyNotARealTokenAbCdEfGhIj"

ENDPOINT_STAGING = "https://hub-ci.huggingface.co"
