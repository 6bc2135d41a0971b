"""The promotion gate: a stack before and after a change, judged by the repository's own rules.

The rules live in `policies/promotion/` (each a function of the base and the head); this
package holds what they share with the commands that edit manifests (how a threshold is
met, which versions enter, the canary limit) and runs them in a worker process.
"""
