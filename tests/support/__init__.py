"""What the tests share: one CLI invoker, one isolation routine, builders and stand-ins.

``cli`` runs mlops-new in-process; ``isolation`` gives a test its own HOME, git
config and caches; ``helpers`` builds trees, templates and releases;
``commands``, ``buildah`` and ``ci_local`` run generated projects, images and CI
jobs; ``gitlab_api`` is the merge-request API stand-in.
"""
