"""Stand-in skopeo for the GitLab deploy jobs (tests/e2e/test_gitlab_deploy.py).

A registry of image manifests in $SKOPEO_STAND_IN/images.json
(``{"IMAGE:TAG": {"Digest": "sha256:...", "Labels": {...}}}``): ``login`` reads
the password from stdin; ``inspect --format FORMAT docker://IMAGE:TAG`` fills
``{{.Digest}}`` and ``{{index .Labels "NAME"}}`` as skopeo's Go templates do.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")


def _inspect(template: str, reference: str) -> None:
    images = json.loads((Path(os.environ["SKOPEO_STAND_IN"]) / "images.json").read_text())
    image = images.get(reference.removeprefix("docker://"))
    if image is None:
        sys.exit(f"Error: reading manifest {reference}: manifest unknown")
    text = template.replace("{{.Digest}}", image["Digest"])
    label = r'\{\{index \.Labels "([^"]+)"\}\}'
    _say(re.sub(label, lambda found: image["Labels"].get(found[1], "<no value>"), text))


def main(argv: list[str]) -> None:
    match argv:
        case ["login", *_options]:
            assert sys.stdin.read().strip(), "no password on stdin"
            _say("Login Succeeded!")
        case ["inspect", "--format", template, reference]:
            _inspect(template, reference)
        case _:
            sys.exit(f"skopeo stand-in: unexpected arguments {argv}")


if __name__ == "__main__":
    main(sys.argv[1:])
