"""The lineage from attention to today's language models, as data (for the home page's timeline).

Years are those of the first public version of each paper (arXiv where there is one):
Bahdanau, Cho & Bengio, arXiv 1409.0473 (Sept 2014); Gehring et al., ConvS2S, arXiv 1705.03122
(May 2017); Vaswani et al., arXiv 1706.03762 (June 2017); Radford et al., GPT (June 2018);
Devlin et al., BERT, arXiv 1810.04805 (Oct 2018); Radford et al., GPT-2 (Feb 2019); Keskar et al.,
CTRL, arXiv 1909.05858 (Sept 2019); Raffel et al., T5, arXiv 1910.10683 (Oct 2019); Lewis et al.,
BART, arXiv 1910.13461 (Oct 2019); Touvron et al., LLaMA, arXiv 2302.13971 (Feb 2023, weights released
under a non-commercial research licence).  Recurrent models that stayed in use after the Transformer:
Howard & Ruder, ULMFiT, arXiv 1801.06146 (Jan 2018); Peters et al., ELMo, arXiv 1802.05365 (Feb 2018).
Linear recurrences that came back: Gu, Goel & Ré, S4, arXiv 2111.00396 (Oct 2021); Orvieto et al., LRU,
arXiv 2303.06349 (Mar 2023); Gu & Dao, Mamba, arXiv 2312.00752 (Dec 2023).
"""

import pandas as pd

FAMILIES = ("encoder-decoder", "encoder", "decoder", "recurrent", "state-space")

LINEAGE = (  # name, first public version (year, month), family, what it added
    ("Bahdanau et al. (alignment)", 2014, 9, "encoder-decoder", "attention over an RNN's states"),
    ("ConvS2S (Gehring et al.)", 2017, 5, "encoder-decoder", "convolutions with attention, no recurrence"),
    ("Transformer (Vaswani et al.)", 2017, 6, "encoder-decoder", "attention is all you need"),
    ("ULMFiT (Howard & Ruder)", 2018, 1, "recurrent", "fine-tuning a pre-trained LSTM"),
    ("ELMo (Peters et al.)", 2018, 2, "recurrent", "word vectors from a bidirectional LSTM"),
    ("GPT (Radford et al.)", 2018, 6, "decoder", "generative pre-training"),
    ("BERT (Devlin et al.)", 2018, 10, "encoder", "bidirectional pre-training"),
    ("GPT-2", 2019, 2, "decoder", "scale, zero-shot tasks"),
    ("CTRL (Keskar et al.)", 2019, 9, "decoder", "control codes for generation"),
    ("T5 (Raffel et al.)", 2019, 10, "encoder-decoder", "every task as text-to-text"),
    ("BART (Lewis et al.)", 2019, 10, "encoder-decoder", "denoising pre-training"),
    ("S4 (Gu et al.)", 2021, 10, "state-space", "a linear recurrence trained in parallel"),
    ("LLaMA (Touvron et al.)", 2023, 2, "decoder", "weights for research use, efficient training"),
    ("LRU (Orvieto et al.)", 2023, 3, "state-space", "eigenvalues kept near the unit circle"),
    ("Mamba (Gu & Dao)", 2023, 12, "state-space", "a linear recurrence that selects by input"),
)


def lineage_frame() -> pd.DataFrame:
    """Columns name, year, month, date (fractional year), family, note."""
    frame = pd.DataFrame(LINEAGE, columns=["name", "year", "month", "family", "note"])
    frame["date"] = frame["year"] + (frame["month"] - 1) / 12
    return frame
