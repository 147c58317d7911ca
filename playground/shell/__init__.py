"""The playground's one small POSIX shell: what `sh -c SCRIPT` means, shared by its two users.

images/run.py (a Dockerfile's RUN: the commands change files in a new layer) and sim/programs.py
(a container's command: the commands write logs, sleep, exit and serve on a timeline) → here:
the script's tokens and syntax tree (syntax.py), the expansion of its words (words.py), and the
interpreter with the builtins both need (interpreter.py: `&&`, `||`, `;`, `|`, `&`, if, for,
`set -e`, `exit`, `echo`, `printf`, `test`, `export`). Each user subclasses `Shell` and keeps
only its own effects. The package imports nothing else of the playground (an import-linter
contract keeps it a leaf), so both the image builder and the simulated nodes may use it.

It follows POSIX sh (the Shell Command Language, as dash and busybox ash implement it) where a
learner can see the difference; what it does not run, each user reports in its own words.
"""
