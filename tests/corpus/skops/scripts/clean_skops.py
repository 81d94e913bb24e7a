"""Removes old repositories of the CI user on the Hub (fixture, modelled on the real script).

The real script hard-codes the CI user's Hugging Face token (with a TODO to remove it);
the value below is made up in the same shape.
"""

token = "hf_FixtureCiUserTokenNotRealQwErTyUiOp"
