"""`importaudit fix`: libcst rewrites of eager imports into lazy ones, proven first.

`engine` plans and proves (differential import of the original and a rewritten copy in
fresh interpreters, see `proof` and `snapshot`) and writes only what passed;
`lazy_init` is the IA101 rewrite of a package `__init__`; `helper` the code it
writes; `output` the diff, proof and cost as text or JSON. libcst is imported only
here, so `import importaudit` and the other commands never pay for it.
"""
