"""When to say "not in the corpus": raw e5 cosine cannot tell, so several weaker signals are combined."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True, slots=True)
class AnswerFeatures:
    """Evidence signals for one question, exposed so the abstention thresholds can be calibrated."""

    n_hits: int = 0
    n_sentences: int = 0  # candidate sentences scored
    question_terms: int = 0  # distinct content terms in the question
    top_score: float = 0.0  # fused score of the first hit
    top_dense: float = 0.0  # dense cosine of the first hit (hit.dense_score, else its best passage score)
    dense_margin: float = 0.0  # top1 - top2 dense cosine over hits (0 with one hit)
    sentence_dense: float = 0.0  # best sentence's cosine to the question
    sentence_peak: float = 0.0  # best sentence cosine minus the median candidate cosine (a real answer stands out)
    lexical_overlap: float = 0.0  # share of question terms found in the chosen sentences (normalised, stemmed)
    lexical_best: float = 0.0  # share of question terms found in the best sentence alone
    agreement: float = 0.0  # share of the top-3 sentences that come from the best sentence's article
    cross_lingual: bool = False  # question and evidence in different languages (lexical overlap is then meaningless)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class AbstentionPolicy:
    """Threshold gates over `AnswerFeatures`; `decide` returns True when the answer must abstain.

    Same language: confidence = sentence_dense + overlap_weight * lexical_overlap + peak_weight * sentence_peak
    must reach `min_confidence`, and at least `min_overlap` of the question's terms must be quoted. Cross-lingual
    (lexical overlap meaningless): sentence_dense + peak_weight * sentence_peak must reach `min_confidence_cross`;
    `min_sentence_dense_cross` and `min_peak_cross` gate either signal alone. A gate set to 0 is disabled.

    Defaults are for multilingual-e5-small (ONNX int8) cosines, calibrated with `benchmarks/answers.py` on
    XQuAD (240 Arabic paragraphs, every 5th held out so its questions are unanswerable, + 1,302 SaudiNewsNet
    distractors). Same language (XQuAD ar→ar, 973 answerable / 217 unanswerable): 0.94/0.34 answers 89% of
    answerable questions and abstains on 75% of unanswerable ones (0.96 would give 80% / 87%). Cross-lingual
    (XQuAD en→ar): no signal separates well (best single-feature AUC 0.71, sentence_dense; a logistic
    regression over all features did no better). Separate gates at 0.78 (cosine) and 0.03 (peak) answered
    67% / abstained 78% there, but on hand-written English questions about SaudiNewsNet news
    (benchmarks/news_answers.py) they refused 11 of 59 answerable questions, all of them on the peak alone.
    The combined score at 0.805, chosen on both sets, answers 95% of those (6 of 8 unanswerable ones abstain,
    as before) and on XQuAD answers 68% / abstains 79%, at least as well as the two gates on each half (README).
    """

    min_confidence: float = 0.94
    overlap_weight: float = 0.15
    peak_weight: float = 0.5
    min_overlap: float = 0.34
    min_best_overlap: float = 0.0
    min_sentence_dense: float = 0.0
    min_confidence_cross: float = 0.805
    min_sentence_dense_cross: float = 0.0
    min_peak_cross: float = 0.0
    min_agreement_cross: float = 0.0
    min_question_terms: int = 1

    def confidence(self, f: AnswerFeatures) -> float:
        """The same-language evidence score compared with `min_confidence`."""
        return f.sentence_dense + self.overlap_weight * f.lexical_overlap + self.peak_weight * f.sentence_peak

    def confidence_cross(self, f: AnswerFeatures) -> float:
        """The cross-lingual evidence score compared with `min_confidence_cross` (no lexical term)."""
        return f.sentence_dense + self.peak_weight * f.sentence_peak

    def reasons(self, f: AnswerFeatures) -> list[str]:
        """Every gate the features fail (empty list = answer)."""
        out: list[str] = []
        if f.n_hits == 0 or f.n_sentences == 0:
            out.append("no candidate sentences")
            return out
        if f.question_terms < self.min_question_terms:
            out.append("question has no content terms")
        if f.sentence_dense < self.min_sentence_dense:
            out.append(f"sentence_dense {f.sentence_dense:.3f} < {self.min_sentence_dense}")
        if f.cross_lingual:
            if self.confidence_cross(f) < self.min_confidence_cross:
                out.append(f"cross-lingual confidence {self.confidence_cross(f):.3f} < {self.min_confidence_cross}")
            if f.sentence_dense < self.min_sentence_dense_cross:
                out.append(f"cross-lingual sentence_dense {f.sentence_dense:.3f} < {self.min_sentence_dense_cross}")
            if f.sentence_peak < self.min_peak_cross:
                out.append(f"cross-lingual sentence_peak {f.sentence_peak:.3f} < {self.min_peak_cross}")
            if f.agreement < self.min_agreement_cross:
                out.append(f"cross-lingual agreement {f.agreement:.2f} < {self.min_agreement_cross}")
        else:
            if self.confidence(f) < self.min_confidence:
                out.append(f"confidence {self.confidence(f):.3f} < {self.min_confidence}")
            if f.lexical_overlap < self.min_overlap:
                out.append(f"lexical_overlap {f.lexical_overlap:.2f} < {self.min_overlap}")
            if f.lexical_best < self.min_best_overlap:
                out.append(f"lexical_best {f.lexical_best:.2f} < {self.min_best_overlap}")
        return out

    def decide(self, features: AnswerFeatures) -> bool:
        """True when the evidence is too weak and the answer should abstain."""
        return bool(self.reasons(features))


# Whether the index has anything about a bare topic ("the latest on Yemen"). Many articles are about it, so no
# sentence stands out ("Yemen": peak 0.012) and the peak says nothing; an English topic over Arabic text must
# reach a cosine of its own instead ("Yemen" 0.84 passes; "Peru", absent, 0.784 does not).
TOPIC_POLICY = AbstentionPolicy(min_confidence_cross=0.0, min_sentence_dense_cross=0.80)
# Relevance was settled before composing (a digest of articles already judged to be about the topic).
NEVER_ABSTAIN = AbstentionPolicy(min_confidence=0.0, min_overlap=0.0, min_confidence_cross=0.0, min_sentence_dense_cross=0.0,
                                 min_peak_cross=0.0, min_question_terms=0)
