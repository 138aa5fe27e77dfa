"""Seeds by hashing: deterministic, distinct, in range."""
import torch

from redshift.seeding import seed_for, torch_generator


def test_seed_is_deterministic_and_63_bit():
    """The same identity gives the same seed, below 2**63."""
    a = seed_for("suite", "case[x=1]", 0)
    assert a == seed_for("suite", "case[x=1]", 0) and 0 <= a < 2**63


def test_seeds_differ_across_replicates_cases_and_suites():
    """Changing any part of the identity changes the seed."""
    seeds = {seed_for("s", "c", 0), seed_for("s", "c", 1), seed_for("s", "d", 0), seed_for("t", "c", 0)}
    assert len(seeds) == 4


def test_known_value_is_stable_across_versions():
    """The hash scheme is part of the results' identity: this value must never change."""
    import hashlib

    digest = hashlib.sha256(b"neural_redshift/random_mlp[act=relu]/3").digest()
    assert seed_for("neural_redshift", "random_mlp[act=relu]", 3) == int.from_bytes(digest[:8], "little") & (2**63 - 1)


def test_torch_generator_reproduces_draws():
    """Two generators with the same seed draw identical tensors."""
    a = torch.rand(5, generator=torch_generator(seed_for("s", "c", 0)))
    b = torch.rand(5, generator=torch_generator(seed_for("s", "c", 0)))
    assert torch.equal(a, b)


KNOWN_DEFAULT_SEEDS = {  # drawn before seed streams existed (commit 829e38a): the default stream must keep them
    ("neural_redshift", "random_mlp[act=relu]", 3): 1595266699096117257,
    ("grokking_corrupted", "split", 97, 0.3, 0): 1481049055894163329,
    ("sgd_vs_architecture", "x[size=8]", 9): 1394516742887523363,
}


def test_the_default_stream_reproduces_the_seeds_of_stored_history():
    """Inside and outside use_stream('default'), the known seeds are reproduced bit for bit."""
    from redshift.seeding import use_stream

    for identity, seed in KNOWN_DEFAULT_SEEDS.items():
        assert seed_for(*identity) == seed
        with use_stream("default"):
            assert seed_for(*identity) == seed


def test_two_streams_give_different_seeds_and_the_stream_is_restored():
    """confirm-1 and confirm-2 differ from each other and from default; leaving the block restores default."""
    from redshift.seeding import current_stream, use_stream

    ident = ("neural_redshift", "random_mlp[act=relu]", 3)
    with use_stream("confirm-1"):
        a = seed_for(*ident)
    with use_stream("confirm-2"):
        b = seed_for(*ident)
    assert len({a, b, seed_for(*ident)}) == 3 and current_stream() == "default"


def test_a_bad_stream_name_is_refused():
    """Spaces or slashes in a stream name are refused with a message that says what is allowed."""
    import pytest

    from redshift.seeding import use_stream

    with pytest.raises(ValueError, match="letters, digits"):
        with use_stream("a/b c"):
            pass
