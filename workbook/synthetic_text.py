"""Generated text whose true statistics are known.

The real corpora (The Time Machine, the Tatoeba pairs) need a download. These
generators stand in for them offline, and they do better than a random
substitute: an order-1 Markov chain has a perplexity we can compute exactly,
so a trained language model can be compared with the best possible one; Zipf
text has a known rank-frequency law; the toy translation pairs come from a
grammar, so a seq2seq model has something learnable and BLEU means something.
"""

from __future__ import annotations

import numpy as np

LETTERS = "abcdefghijklmnopqrstuvwxyz "


def markov_chain(num_states: int, seed: int = 0, concentration: float = 0.3) -> np.ndarray:
    """A random transition matrix (rows sum to 1). Small ``concentration``
    makes each row peaked, so the text is predictable and the perplexity low."""
    if num_states < 2:
        raise ValueError(f"a Markov chain needs at least 2 states, got {num_states}")
    rng = np.random.default_rng(seed)
    return rng.dirichlet(np.full(num_states, concentration), size=num_states)


def stationary_distribution(transition: np.ndarray) -> np.ndarray:
    values, vectors = np.linalg.eig(np.asarray(transition, dtype=np.float64).T)
    vector = np.real(vectors[:, np.argmin(np.abs(values - 1.0))])
    return vector / vector.sum()


def markov_perplexity(transition: np.ndarray) -> float:
    """The true per-token perplexity, ``exp`` of the chain's entropy rate
    ``-sum_i pi_i sum_j P_ij log P_ij`` under its stationary distribution pi.
    No model of the text can do better on average."""
    transition = np.asarray(transition, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        row_entropy = -np.where(transition > 0, transition * np.log(transition), 0.0).sum(axis=1)
    return float(np.exp(stationary_distribution(transition) @ row_entropy))


def markov_text(transition: np.ndarray, length: int, seed: int = 0,
                alphabet: str = LETTERS) -> str:
    """``length`` characters drawn from the chain, started from its stationary
    distribution; state ``i`` is written as ``alphabet[i]``."""
    transition = np.asarray(transition, dtype=np.float64)
    if len(alphabet) < len(transition):
        raise ValueError(f"{len(transition)} states but an alphabet of {len(alphabet)}")
    rng = np.random.default_rng(seed)
    cumulative = np.cumsum(transition, axis=1)
    state = rng.choice(len(transition), p=stationary_distribution(transition))
    draws = rng.random(length)
    out = []
    for draw in draws:
        out.append(alphabet[state])
        state = min(int(np.searchsorted(cumulative[state], draw)), len(transition) - 1)
    return "".join(out)


def zipf_tokens(num_tokens: int, vocab_size: int = 1000, exponent: float = 1.0,
                seed: int = 0) -> list[str]:
    """Words ``w1``, ``w2``, ... drawn with P(rank k) proportional to 1 / k**exponent."""
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, vocab_size + 1) ** exponent
    ranks = rng.choice(vocab_size, size=num_tokens, p=weights / weights.sum())
    return [f"w{rank + 1}" for rank in ranks]


def pseudo_english(num_words: int = 30000, seed: int = 0, vocab_size: int = 2000) -> str:
    """Lines of made-up words with Zipf frequencies, capitals and punctuation:
    text shaped like a novel for the cleaning and tokenizing code (mock data)."""
    rng = np.random.default_rng(seed)
    syllables = [c + v for c in "bcdfghklmnprstvw" for v in "aeiou"]
    lexicon, seen = [], set()
    while len(lexicon) < vocab_size:
        word = "".join(rng.choice(syllables, size=rng.integers(1, 4)))
        if word not in seen:
            seen.add(word)
            lexicon.append(word)
    weights = 1.0 / np.arange(1, vocab_size + 1)
    words = rng.choice(lexicon, size=num_words, p=weights / weights.sum())
    lines, start = [], 0
    while start < num_words:
        stop = min(start + int(rng.integers(6, 14)), num_words)
        sentence = " ".join(words[start:stop])
        lines.append(sentence[0].upper() + sentence[1:] + rng.choice([".", ".", ",", "!", "?"]))
        start = stop
    return "\n".join(lines) + "\n"


# --- toy English-French pairs ---------------------------------------------------

_SUBJECTS = [  # English, French, English verb form index (0: base, 1: third person)
    ("I", "je", 0), ("You", "tu", 0), ("He", "il", 1), ("She", "elle", 1),
    ("We", "nous", 0), ("They", "ils", 0),
]
_VERBS = {  # English (base, 3rd person) -> French by subject
    ("see", "sees"): ["vois", "vois", "voit", "voit", "voyons", "voient"],
    ("like", "likes"): ["aime", "aimes", "aime", "aime", "aimons", "aiment"],
    ("want", "wants"): ["veux", "veux", "veut", "veut", "voulons", "veulent"],
    ("have", "has"): ["ai", "as", "a", "a", "avons", "ont"],
}
_NOUNS = [("cat", "chat", "m"), ("dog", "chien", "m"), ("book", "livre", "m"),
          ("car", "voiture", "f"), ("house", "maison", "f"), ("apple", "pomme", "f")]
_ADJECTIVES = [("red", "rouge", "rouge"), ("black", "noir", "noire"),
               ("green", "vert", "verte"), ("white", "blanc", "blanche")]
_ARTICLES = {("the", "m"): "le", ("the", "f"): "la", ("a", "m"): "un", ("a", "f"): "une"}


def _toy_pair(rng) -> tuple[str, str]:
    subject_index = int(rng.integers(len(_SUBJECTS)))
    subject, sujet, form = _SUBJECTS[subject_index]
    (base, third), conjugations = list(_VERBS.items())[int(rng.integers(len(_VERBS)))]
    noun, nom, gender = _NOUNS[int(rng.integers(len(_NOUNS)))]
    article = "the" if rng.random() < 0.6 else "a"
    english = [subject, third if form else base, article]
    french_verb = conjugations[subject_index]
    french = ([f"j'{french_verb}"] if sujet == "je" and french_verb[0] in "aeiou"
              else [sujet, french_verb])
    french.append(_ARTICLES[article, gender])
    if rng.random() < 0.5:  # the adjective comes after the noun in French
        adjective, masculine, feminine = _ADJECTIVES[int(rng.integers(len(_ADJECTIVES)))]
        english += [adjective, noun]
        french += [nom, masculine if gender == "m" else feminine]
    else:
        english.append(noun)
        french.append(nom)
    if rng.random() < 0.2:  # French typesets a narrow no-break space before "!"
        return " ".join(english) + "!", " ".join(french).capitalize() + "\u202f!"
    return " ".join(english) + ".", " ".join(french).capitalize() + "."


def toy_translation_pairs(num_pairs: int = 1000, seed: int = 0) -> str:
    """English-French pairs from a small grammar, one ``english\\tfrench`` line
    each, raw as in ``fra.txt`` ("I see the red car.\\tJe vois la voiture rouge.").
    Generated text: a translation score measured on it says nothing about
    the real Tatoeba pairs."""
    rng = np.random.default_rng(seed)
    return "\n".join("\t".join(_toy_pair(rng)) for _ in range(num_pairs)) + "\n"
