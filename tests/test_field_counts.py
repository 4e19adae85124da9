"""Counts of what the listing's fields show (qa.field_counts): whose name the author lists show, which lists are
complete, which titles write a phrase; on the bundled listing and on another group's BibTeX."""
from __future__ import annotations

from collections import Counter

from qa.sources import parse_bibtex

BIB = ("@article{a, title={Deep Reinforcement Learning for Robots}, author={Ann Lee and Bo Chen}, year={2021}, "
       "abstract={Robots learn.}}\n"
       "@article{b, title={Reinforcement Learning with Language}, author={Ann Lee and Cy Day and Di Fu and others}, "
       "year={2022}, abstract={Agents read.}}\n"
       "@article{c, title={Learning to See}, author={Bo Chen}, year={2023}, abstract={Vision.}}\n")


def test_titles_and_complete_author_lists_are_counted_on_any_collection():
    from qa.metadata import answer_metadata
    from qa.papers import Profile

    papers, problems = parse_bibtex(BIB)
    assert problems == []
    profile = Profile(name="")
    answer = answer_metadata("How many titles spell out 'reinforcement learning'?", papers, profile)
    assert answer.understood and answer.text.startswith("2 titles")
    assert {p.title for p in answer.papers} == {papers[0].title, papers[1].title}
    answer = answer_metadata("How many titles contain the word learn in some form?", papers, profile)
    assert answer.understood and answer.text.startswith("3 titles"), answer.text  # "learning" too
    answer = answer_metadata("Which titles are longer than three words?", papers, profile)  # a length bound
    assert {p.title for p in answer.papers} == {papers[0].title, papers[1].title}, answer.text
    assert answer.text.startswith("2 titles of 3 in the listing have more than 3 words"), answer.text
    answer = answer_metadata("How many abstracts have at most one word?", papers, profile)
    assert [p.title for p in answer.papers] == ["Learning to See"], answer.text
    answer = answer_metadata("How many titles mention reinforcement learning?", papers, profile)  # unquoted
    assert {p.title for p in answer.papers} == {papers[0].title, papers[1].title}, answer.text
    answer = answer_metadata("Which papers have more than three authors?", papers, profile)  # "et al." is more
    assert [p.title for p in answer.papers] == ["Reinforcement Learning with Language"], answer.text
    answer = answer_metadata("Which papers have at least two authors?", papers, profile)
    assert {p.title for p in answer.papers} == {papers[0].title, papers[1].title}, answer.text
    answer = answer_metadata("How many first-authored papers does Ann Lee have?", papers, profile)
    assert answer.text.startswith("Ann Lee is the first author of 2 papers"), answer.text
    answer = answer_metadata("Which author leads the most papers?", papers, profile)
    assert "Ann Lee (2 papers)" in answer.text, answer.text
    answer = answer_metadata("How many entries show a complete author list, with no 'et al.'?", papers, profile)
    truncated = [p for p in papers if p.authors_truncated]
    assert answer.understood and answer.text.startswith(f"{3 - len(truncated)} papers of 3"), answer.text
    assert all(not p.authors_truncated for p in answer.papers)
    # a count of one paper's authors still reads that paper; a count of papers does not
    from qa.metadata import needs_paper_context
    assert needs_paper_context("How many authors does the Lookahead paper have?")
    assert not needs_paper_context("In how many papers does Lee show up in the author list?")
    # a count of people, or a superlative over "these papers", is about every list, not one paper's
    assert not needs_paper_context("How many distinct people are the first author across the listing?")
    assert not needs_paper_context("Which of these entries has the longest author list?")


def test_the_owner_shown_in_author_lists_and_a_verb_that_is_not_a_season(offline):
    papers, profile = offline.papers, offline.profile
    shown = sum(any(a == profile.name for a in p.authors) for p in papers)
    answer = offline.ask(f"in how many papers does {profile.name.lower()} show up in the visible author list?")
    assert answer.route == "metadata" and answer.answer.startswith(
        f"{profile.name}'s name is shown in the author lists of {shown} papers of the {len(papers)}"), answer.answer
    assert 0 < shown < len(papers)
    in_2020 = [p for p in papers if p.year == 2020]
    shown_2020 = sum(any(a == profile.name for a in p.authors) for p in in_2020)
    answer = offline.ask(f"In how many 2020 papers is {profile.name} named in the author list?")  # within the scope
    assert answer.answer.startswith(f"{profile.name}'s name is shown in the author lists of {shown_2020} papers of "
                                    f"the {len(in_2020)} in the listing (year 2020)"), answer.answer
    for question in (f"On how many entries is {profile.name} among the shown authors?",
                     f"How many papers list {profile.name} as an author?",
                     f"On how many entries is {profile.name} actually printed among the author names?"):
        answer = offline.ask(question)  # reworded: the same count
        assert answer.route == "metadata" and answer.answer.startswith(
            f"{profile.name}'s name is shown in the author lists of {shown} papers"), (question, answer.answer)
    surname = profile.name.split()[-1]
    answer = offline.ask(f"How many entries don't show {surname} anywhere in the printed author names?")
    assert answer.answer.startswith(f"{len(papers) - shown} papers of the {len(papers)} in the listing do not show"), \
        answer.answer
    category = papers[0].category
    n = sum(p.category == category for p in papers)
    answer = offline.ask(f"How many papers fall under the {category} category?")  # "fall" is not autumn here
    assert answer.route == "metadata" and answer.answer.startswith(f"{n} papers in the listing match"), answer.answer
    autumn = [p for p in papers if p.year == 2019 and p.date[5:7] in ("09", "10", "11")]
    answer = offline.ask("How many papers came out in the fall of 2019?")
    assert answer.route == "metadata" and {c.title for c in answer.citations} == {p.title for p in autumn}


def test_years_a_count_names_are_never_dropped_for_the_total(offline):
    """A count whose years qa.metadata does not read is not answered with the listing's total; here the form reads
    them."""
    from qa.metadata import answer_metadata

    question = "Сколько статей с полной датой вышло в 2017 и 2018 годах вместе?"
    assert not answer_metadata(question, offline.papers, offline.profile).understood
    n = sum(p.year in (2017, 2018) for p in offline.papers)
    answer = offline.ask(question)
    assert answer.route == "metadata" and f"{n} papers in the listing match (years 2017–2018)" in answer.answer


def test_a_count_of_papers_writing_an_acronym_is_not_the_total(offline):
    """"How many papers mention GPUs?" where abstracts write "single-GPU": the papers that write it, not the
    listing's total."""
    from qa.metadata import answer_metadata
    from qa.text import says

    question = "How many papers mention GPUs?"
    assert not answer_metadata(question, offline.papers, offline.profile).understood
    writing = {p.title for p in offline.papers if says(f"{p.title} {p.abstract}", "GPU")}
    answer = offline.ask(question)
    assert writing and {c.title for c in answer.citations} == writing, answer.answer
    assert answer.answer.startswith(f"{len(writing)} papers"), answer.answer


def test_reworded_bibliographic_questions_are_computed(offline):
    """Wordings the English training sets asked that were answered with the wrong count or list before stop 25."""
    papers, profile = offline.papers, offline.profile
    first_half = sum(p.year == 2023 and p.date[5:7] in ("01", "02", "03", "04", "05", "06") for p in papers)
    answer = offline.ask("How many papers came out in the first half of 2023 (Jan-Jun)?")  # "Jan" is not the month
    assert answer.route == "metadata" and answer.answer.startswith(f"{first_half} papers"), answer.answer
    busiest = max({p.year for p in papers}, key=lambda y: sum(p.year == y for p in papers))
    answer = offline.ask("Give me a per-year breakdown of the number of papers.")
    assert f"The busiest year is {busiest}" in answer.answer, answer.answer
    answer = offline.ask("Break down the papers by category code.")  # the category's code, not a code release
    top = max({p.category for p in papers}, key=lambda c: sum(p.category == c for p in papers))
    assert f"- {top} " in answer.answer and "with code" not in answer.answer, answer.answer
    firsts = [p for p in papers if p.authors and p.authors[0] == profile.name]
    answer = offline.ask("is he first author on anything in here?")  # "he": the profile's owner
    assert {c.title for c in answer.citations} == {p.title for p in firsts}, answer.answer
    three = sum(len(p.authors) == 3 and not p.authors_truncated for p in papers)
    answer = offline.ask("how many papers are by a team of just three people?")
    assert answer.answer.startswith(f"{three} papers in the listing have exactly 3 authors"), answer.answer
    answer = offline.ask("Which listed papers have the shortest author list?")  # papers, not one paper's list
    assert answer.answer.startswith("The fewest authors on a paper is 2"), answer.answer
    answer = offline.ask("how many of the papers are in the AI category compared with LG?")
    for code in ("AI", "LG"):
        assert f"- {code}: {sum(p.category == code for p in papers)} papers" in answer.answer, answer.answer
    listed = sum(bool(p.affiliations) for p in papers)
    answer = offline.ask("How many papers have any affiliation listed?")
    assert answer.answer.startswith(f"{listed} papers of {len(papers)} in the listing name an affiliation")


def test_the_papers_a_question_names_are_put_in_order_of_date(offline):
    from qa.field_counts import dates_compared

    papers, _ = parse_bibtex(BIB)
    assert dates_compared("which came out first, alpha or beta?", papers[:2]).text.startswith(
        f"{papers[0].title} came out first")
    assert dates_compared("which one is newer, alpha or beta?", papers[:2]).text.startswith(
        f"{papers[1].title} came out last")
    assert dates_compared("which was the first to use robots, alpha or beta?", papers[:2]) is None  # not a date
    assert dates_compared("which came out first?", papers[:1]) is None
    by_title = {p.title: p for p in offline.papers}
    a, b = "Dream to Control: Learning Behaviors by Latent Imagination", "Mastering Atari with Discrete World Models"
    first = min((by_title[a], by_title[b]), key=lambda p: p.date)
    answer = offline.ask("Which came out first, Dream to Control or Mastering Atari with Discrete World Models?")
    assert answer.route == "metadata" and answer.answer.startswith(f"{first.title} came out first"), answer.answer
    assert {c.title for c in answer.citations} == {a, b}


def test_same_publication_date_and_who_co_authored_most(offline):
    from qa.metadata import answer_metadata

    papers, profile = offline.papers, offline.profile
    answer = answer_metadata("Do any two papers share exactly the same publication date?", papers, profile)
    assert answer.understood and "shared by more than one paper" in answer.text, answer.text
    answer = answer_metadata(f"Counting only the names shown, who co-authored the most papers with {profile.name}?",
                             papers, profile)
    assert answer.text.startswith("Most frequent co-authors in the listing"), answer.text


def test_the_longest_and_shortest_titles_are_ranked_on_any_collection():
    """A title ranked by its length is a fact of the listing: counted in words, with the character count named
    where it picks another title."""
    from qa.metadata import answer_metadata
    from qa.papers import Profile
    from qa.question import asks_listing_form

    papers, _ = parse_bibtex(BIB)
    profile = Profile(name="")
    by_words = sorted(papers, key=lambda p: len(p.title.split()))
    answer = answer_metadata("Which paper has the longest title?", papers, profile)
    assert answer.understood and answer.papers[0] is by_words[-1], answer.text
    assert f"with {len(by_words[-1].title.split())} words" in answer.text
    answer = answer_metadata("Which entry's title has the fewest words?", papers, profile)
    assert answer.understood and answer.papers[0] is by_words[0] and "3 words" in answer.text, answer.text
    # two long words are the fewest words, "Learning to See" the fewest characters
    papers, _ = parse_bibtex(BIB + "@article{d, title={Superconvergence Hyperparameterization}, author={Ann Lee}, "
                                   "year={2024}, abstract={Long words.}}\n")
    answer = answer_metadata("What is the shortest title?", papers, profile)
    assert answer.papers[0].title == "Superconvergence Hyperparameterization"
    assert "Counted in characters, the shortest is “Learning to See”" in answer.text, answer.text
    assert asks_listing_form("Which paper has the longest title?") and not asks_listing_form(
        "Which paper has the longest training run?")


def test_a_year_written_onto_a_benchmark_is_no_year_filter():
    """"VOC2007" and, where an abstract writes it so, "VOC 2007" name a benchmark's edition: no filter to 2007 (it
    refused a question about a 2015 paper's score); a year after a word no abstract pairs it with still filters."""
    from qa.question import parse_filters

    papers, _ = parse_bibtex(
        "@article{a, title={Fast Detection}, author={Ann Lee}, year={2015}, abstract={It reaches 70.1% mAP on "
        "PASCAL VOC 2007 and 68.4% on VOC2012.}}\n")
    for question in ("What mAP does it reach on VOC2007?", "What mAP does it reach on PASCAL VOC 2007?",
                     "What did it get on voc2012 and VOC 2007?"):
        scope = parse_filters(question, papers)
        assert scope.year_from is None and scope.year_to is None, question
    assert parse_filters("What did it get on COCO 2007?", papers).year_from == 2007  # no abstract writes it
    assert parse_filters("Which papers came out in 2015?", papers).year_to == 2015
    assert parse_filters("2015年の論文は？", papers).year_from == 2015


def test_two_part_bibliographic_questions_answer_both_parts():
    """Reworded forms that ask two things at once: a person's papers and where they are first; two halves of a year
    side by side; the papers with no affiliation or not flagged with code, counted as asked."""
    from qa.metadata import answer_metadata
    from qa.papers import Profile

    papers, _ = parse_bibtex(
        "@article{a, title={Agents Plan}, author={Ann Lee and Bo Chen}, year={2021}, month={mar}, abstract={x.}}\n"
        "@article{b, title={Agents Act}, author={Bo Chen and Ann Lee and Cy Day}, year={2021}, month={oct}, "
        "abstract={y.}}\n"
        "@article{c, title={Agents See}, author={Bo Chen}, year={2021}, month={nov}, abstract={z.}}\n")
    profile = Profile(name="")
    answer = answer_metadata("On how many entries does Ann Lee appear, and on which one is she first author?",
                             papers, profile)
    assert answer.text.startswith("Ann Lee is an author of 2 papers") and "first author of 1 of them: Agents Plan" \
        in answer.text, answer.text
    answer = answer_metadata("How many papers fall in the first half of 2021 versus the second half?", papers,
                             profile)
    assert "1 paper in the first half and 2 papers in the second half" in answer.text, answer.text
    assert [p.title for p in answer.papers] == ["Agents Plan", "Agents Act", "Agents See"]  # in date order
    answer = answer_metadata("How many entries carry no affiliation tag at all?", papers, profile)
    assert answer.text.startswith("3 papers of 3 in the listing name no affiliation"), answer.text
    answer = answer_metadata("Which papers are not flagged as having code?", papers, profile)
    assert len(answer.papers) == 3 and "without code" in answer.text, answer.text
    answer = answer_metadata("On how many papers is Ann Lee shown as the second author?", papers, profile)
    assert answer.text.startswith("Ann Lee is the second author of 1 paper") and \
        [p.title for p in answer.papers] == ["Agents Act"], answer.text
    answer = answer_metadata("Which is the earliest entry, and which is the most recent?", papers, profile)
    assert [p.title for p in answer.papers] == ["Agents Plan", "Agents See"], answer.text
    answer = answer_metadata("How much time separates the earliest and the latest entries?", papers, profile)
    assert "Agents Plan" in answer.text and "Agents See" in answer.text and "span" in answer.text, answer.text


def test_papers_outside_named_categories_are_listed():
    from qa.metadata import answer_metadata
    from qa.papers import Profile

    papers, _ = parse_bibtex(BIB.replace("year={2021}", "year={2021}, primaryclass={cs.LG}").replace(
        "year={2022}", "year={2022}, primaryclass={cs.CL}").replace("year={2023}", "year={2023}, primaryclass={cs.CV}"))
    assert [p.category for p in papers] == ["LG", "CL", "CV"]
    answer = answer_metadata("Which entries fall outside the LG and CL categories?", papers, Profile(name=""))
    assert [p.title for p in answer.papers] == ["Learning to See"], answer.text


def test_papers_of_either_of_two_affiliations(offline):
    """"Which entries list A or B among their affiliations?": the papers of either."""
    papers = offline.papers
    codes = sorted({a for p in papers for a in p.affiliations}, key=lambda c: -sum(c in p.affiliations for p in papers))
    first, second = codes[-1], codes[-2]
    either = {p.title for p in papers if first in p.affiliations or second in p.affiliations}
    answer = offline.ask(f"Which entries list {first} or {second} among their affiliations?")
    assert answer.route == "metadata" and {c.title for c in answer.citations} == either, answer.answer


def test_authors_two_named_papers_share(offline):
    """"Which authors do A and B have in common?": the names both author lists show."""
    from qa.field_counts import same_author

    papers = {p.title: p for p in offline.papers}
    a, b = papers["Mastering Diverse Domains through World Models"], papers[
        "Dream to Control: Learning Behaviors by Latent Imagination"]
    shared = [x for x in a.authors if any(same_author(x, y) for y in b.authors)]
    assert shared
    answer = offline.ask("Which authors do DreamerV3 and Dream to Control have in common?")
    assert answer.route == "metadata" and answer.answer.startswith(" and ".join(shared)), answer.answer
    assert {c.title for c in answer.citations} == {a.title, b.title}


def test_abstract_lengths_and_authors_on_a_number_of_papers():
    """"Which paper has the shortest abstract?" and "which authors appear on two papers?", computed on any
    collection."""
    from qa.metadata import answer_metadata
    from qa.papers import Profile
    from qa.question import asks_listing_form

    papers, _ = parse_bibtex(BIB)
    profile = Profile(name="")
    shortest = min(papers, key=lambda p: len(p.abstract.split()))
    answer = answer_metadata("Which paper has the shortest abstract?", papers, profile)
    assert answer.understood and answer.papers[0] is shortest, answer.text
    answer = answer_metadata("Which authors appear on exactly two papers?", papers, profile)
    assert answer.text.startswith("2 authors are shown on exactly 2 papers") and "Ann Lee" in answer.text \
        and "Bo Chen" in answer.text, answer.text
    assert asks_listing_form("Which authors appear on four papers?") and not asks_listing_form(
        "Which authors appear on two papers with Ann Lee?")


def test_reworded_counts_of_authors_categories_affiliations_and_dates():
    """"co-authors on exactly two of the listed papers", "at least two", "not in the LG category", "how many listed
    papers carry an affiliation", "which date has no year", on another group's BibTeX (and a listing date)."""
    from dataclasses import replace

    from qa.metadata import answer_metadata
    from qa.papers import Profile
    from qa.question import asks_listing_form

    papers, _ = parse_bibtex(BIB.replace("year={2021}", "year={2021}, primaryclass={cs.LG}").replace(
        "year={2022}", "year={2022}, primaryclass={cs.LG}").replace("year={2023}", "year={2023}, primaryclass={cs.CV}"))
    owner = Profile(name="Bo Chen")
    answer = answer_metadata("Which co-authors appear on exactly two of the listed papers?", papers, Profile(name=""))
    assert answer.text.startswith("2 authors are shown on exactly 2 papers"), answer.text
    # the profile's owner is nobody's co-author
    answer = answer_metadata("Which co-authors does the listing show on at least two papers?", papers, owner)
    assert answer.text.startswith("1 author is shown on 2 or more papers") and "Ann Lee" in answer.text \
        and "Bo Chen" not in answer.text, answer.text
    answer = answer_metadata("Which authors appear on more than one paper?", papers, Profile(name=""))
    shown = Counter(a for p in papers for a in p.authors)
    assert answer.text.startswith(f"{sum(n > 1 for n in shown.values())} authors are shown on more than 1 paper"), \
        answer.text
    # both sides of a year and of the code flag, and the collection's newest years (not this listing's)
    answer = answer_metadata("Were more papers published before or after 2022?", papers, owner)
    assert answer.text.startswith(f"The listing has {sum(p.year < 2022 for p in papers)} paper") and \
        f"and {sum(p.year > 2022 for p in papers)} from after it" in answer.text, answer.text
    answer = answer_metadata("Are there more papers with code or without?", papers, owner)
    assert f"{sum(bool(p.has_code) for p in papers)} are marked as having code" in answer.text, answer.text
    newest = max(p.year for p in papers)
    answer = answer_metadata("How many papers in the last two years?", papers, owner)
    assert {p.title for p in answer.papers} == {p.title for p in papers if p.year >= newest - 1}, answer.text
    answer = answer_metadata("Of the entries by Ann Lee, which are not in LG?", papers, owner)
    assert answer.understood and answer.papers == [] and "0 papers" in answer.text, answer.text
    answer = answer_metadata("Name the entries not in the category LG.", papers, owner)
    assert [p.title for p in answer.papers] == ["Learning to See"] and " is outside LG" in answer.text, answer.text
    tagged = [replace(papers[0], affiliations=("utoronto",))] + papers[1:]
    answer = answer_metadata("How many listed entries name an affiliation?", tagged, owner)
    assert answer.text.startswith("1 paper of 3 in the listing name"), answer.text
    # a date the source gives without its year (a profile listing's "Feb 4")
    undated = papers[:2] + [replace(papers[2], date="2023-02-04", year_given=False)]
    for question in ("Which entry's date comes without a year?", "One entry has a date with no year. Which?"):
        assert asks_listing_form(question)
        answer = answer_metadata(question, undated, owner)
        assert [p.title for p in answer.papers] == ["Learning to See"] and "February 4" in answer.text, answer.text
    assert answer_metadata("Which paper's date has no year?", papers, owner).text.startswith("Every paper")


def test_first_authors_and_title_marks_on_any_collection():
    from qa.metadata import answer_metadata
    from qa.papers import Profile

    bib = ("@article{a, title={Robots: Learning to Walk}, author={Ann Lee and Bo Chen}, year={2021}, "
           "abstract={Robots learn.}, code={https://github.com/x/y}}\n"
           "@article{b, title={Do Agents Read?}, author={Ann Lee and Cy Day}, year={2022}, abstract={Agents read.}}\n"
           "@article{c, title={Learning to See}, author={Bo Chen and Ann Lee}, year={2023}, abstract={Vision.}}\n")
    papers, problems = parse_bibtex(bib)
    assert problems == []
    profile = Profile(name="")
    answer = answer_metadata("How many titles contain a colon?", papers, profile)
    assert answer.text.startswith("1 title of 3") and [p.title for p in answer.papers] == ["Robots: Learning to Walk"]
    answer = answer_metadata("Which titles are phrased as questions?", papers, profile)
    assert [p.title for p in answer.papers] == ["Do Agents Read?"], answer.text
    answer = answer_metadata("Which first authors lead exactly two of the listed papers?", papers, profile)
    assert answer.text.startswith("1 author is shown as first author on exactly 2 papers") and "Ann Lee" in answer.text
    assert {p.title for p in answer.papers} == {"Robots: Learning to Walk", "Do Agents Read?"}
    answer = answer_metadata("Which authors appear on exactly two papers?", papers, profile)  # any place: Bo Chen
    assert "Bo Chen: 2 papers" in answer.text and "Ann Lee" not in answer.text, answer.text
    answer = answer_metadata("How many different people are first authors?", papers, profile)
    assert answer.text.startswith("2 different people are the first author of the 3 papers"), answer.text
    answer = answer_metadata("Ann Lee is first author on which papers, and which of those have code?", papers,
                             profile)
    assert len(answer.papers) == 2 and answer.text.endswith("1 of them has code: Robots: Learning to Walk [2]."), \
        answer.text
    # the most frequent name, not the longest author lists
    answer = answer_metadata("Which person appears on the most papers overall?", papers, profile)
    assert "- Ann Lee: 3 papers" in answer.text, answer.text
    for question in ("Which papers don't have the code flag?", "How many papers lack code?"):  # the flag negated
        answer = answer_metadata(question, papers, profile)
        assert {p.title for p in answer.papers} == {"Do Agents Read?", "Learning to See"}, (question, answer.text)


def test_papers_on_the_same_day_of_the_year_in_different_years(offline):
    from collections import defaultdict

    days = defaultdict(list)
    for p in offline.papers:
        if p.day:
            days[p.date[5:]].append(p)
    apart = {d: ps for d, ps in days.items() if len({p.year for p in ps}) > 1}
    assert apart  # the bundled listing has some
    answer = offline.ask("Did two papers come out on the same day of the year, in different years?")
    assert answer.route == "metadata" and {c.title for c in answer.citations} == {
        p.title for ps in apart.values() for p in ps}, answer.answer
    day, papers = sorted(apart.items())[0]
    month = ("January February March April May June July August September October November December".split()
             [int(day[:2]) - 1])
    answer = offline.ask(f"Which papers share a {month} {int(day[3:])} date?")  # that day of any year
    assert {c.title for c in answer.citations} == {p.title for p in papers}, answer.answer
    months = defaultdict(list)
    for p in offline.papers:
        if p.date[5:7]:
            months[p.date[:7]].append(p)
    answer = offline.ask("Which papers were posted in the same month of the same year?")
    busiest = max(months.values(), key=len)
    assert answer.route == "metadata" and {p.title for p in busiest} <= {c.title for c in answer.citations}, \
        answer.answer


def test_ranks_spans_name_spellings_and_affiliation_counts_on_any_collection():
    """The n-th oldest paper, the days between the oldest and the newest, a name written with and without its middle
    initial, the papers naming two affiliations, how many categories, the header's count against the listing's, on
    another group's BibTeX."""
    from qa.metadata import answer_metadata, needs_paper_context
    from qa.papers import Profile

    bib = ("@article{a, title={Robots Learn to Walk}, author={Ann B. Lee and Bo Chen}, date={2021-03-05}, "
           "primaryclass={cs.RO}, affiliation={mit and cmu}, abstract={We compare gaits in a header-free setup.}}\n"
           "@article{b, title={Agents Read Manuals}, author={Ann Lee and Cy Day}, date={2021-07-01}, "
           "primaryclass={cs.CL}, affiliation={mit}, abstract={Agents read and compare entries.}}\n"
           "@article{c, title={Learning to See}, author={Bo Chen and Ann Lee}, date={2023-01-10}, "
           "primaryclass={cs.CV}, abstract={Vision listed actually.}}\n")
    papers, problems = parse_bibtex(bib)
    assert problems == [] and papers[0].affiliations == ["mit", "cmu"]
    profile = Profile(name="", papers_claimed=5)
    answer = answer_metadata("What is the second-oldest paper with a full date?", papers, profile)
    assert answer.text.startswith("The second oldest paper in the listing is Agents Read Manuals, dated July 1, 2021 "
                                  "[1]. Only Robots Learn to Walk (March 5, 2021) [2] is older."), answer.text
    answer = answer_metadata("How many days separate the oldest entry from the newest one?", papers, profile)
    assert answer.text.startswith("676 days separate the oldest and the newest paper"), answer.text
    assert [p.title for p in answer.papers] == ["Robots Learn to Walk", "Learning to See"]
    answer = answer_metadata("Is Ann Lee spelt alike on all her entries, and how many entries show her?", papers,
                             profile)
    assert answer.text.startswith("3 papers in the listing match"), answer.text
    assert "“Ann Lee” on 2 papers and “Ann B. Lee” on 1 paper" in answer.text, answer.text
    answer = answer_metadata("Who co-wrote the entries with Cy Day?", papers, profile)  # the names shown
    assert "Agents Read Manuals (2021, CL): Ann Lee, Cy Day [1]" in answer.text, answer.text
    answer = answer_metadata("Which papers name two affiliations?", papers, profile)
    assert [p.title for p in answer.papers] == ["Robots Learn to Walk"], answer.text
    answer = answer_metadata("How many different categories do the entries span?", papers, profile)
    assert answer.text.startswith("3 different categories appear in the listing"), answer.text
    # "compare", "actually", "listed" are words of the abstracts, but the question asks for the header's count
    answer = answer_metadata("Compare the header's paper count with how many entries are actually listed.", papers,
                             profile)
    assert answer.text == ("The listing contains 3 papers. The profile header claims 5 papers; the other 2 are not in "
                           "the listing."), answer.text
    question = "On which entry is Bo Chen listed as the first author?"  # a paper of the listing, not one meant
    assert not needs_paper_context(question)
    assert [p.title for p in answer_metadata(question, papers, profile).papers] == ["Learning to See"]
    answer = answer_metadata("On which entries is Ann Lee the first author?", papers, profile)  # "Ann B. Lee" too
    assert {p.title for p in answer.papers} == {"Robots Learn to Walk", "Agents Read Manuals"}, answer.text
    answer = answer_metadata("Which authors are first authors most often, and on how many entries each?", papers,
                             profile)
    assert {p.title for p in answer.papers} == {"Robots Learn to Walk", "Agents Read Manuals"}, answer.text


def test_time_between_papers_places_in_the_list_and_cut_lists_on_any_collection():
    """The days (weeks, months) between two papers; the n-th name shown; the most common "subject code"; the lists cut
    short with "et al.", on another group's BibTeX."""
    from qa.field_counts import dates_apart
    from qa.metadata import answer_metadata
    from qa.papers import Profile
    from qa.question import interval_targets

    bib = ("@article{a, title={Robots Learn to Walk}, author={Ann Lee and Bo Chen and Cy Day}, date={2021-03-05}, "
           "primaryclass={cs.RO}, abstract={Gaits.}}\n"
           "@article{b, title={Agents Read Manuals}, author={Cy Day and Bo Chen and others}, date={2021-07-01}, "
           "primaryclass={cs.CL}, abstract={Manuals.}}\n"
           "@article{c, title={Learning to See}, author={Bo Chen and Ann Lee}, date={2023-01-10}, "
           "primaryclass={cs.CL}, abstract={Vision.}}\n")
    papers, problems = parse_bibtex(bib)
    assert problems == []
    walk, manuals, see = papers
    assert interval_targets("How many days passed between the walking robots paper and the later one about seeing?") \
        == ["walking robots paper", "later one about seeing"]
    assert interval_targets("How far apart are Walk and See?") == ["Walk", "See"]
    assert interval_targets("Which paper came out between 2020 and 2022?") == []
    answer = dates_apart("how many days passed between them?", [walk, see])
    assert answer.text.startswith("676 days passed between them: Robots Learn to Walk [1] is dated March 5, 2021"), \
        answer.text
    assert dates_apart("how many weeks separate them?", [see, walk]).text.startswith("96 weeks and 4 days")
    assert dates_apart("how many days passed between them?", [walk]) is None
    assert dates_apart("which came out first?", [walk, see]) is None
    profile = Profile(name="")
    answer = answer_metadata("On how many entries is Bo Chen the second name shown?", papers, profile)
    assert answer.text.startswith("Bo Chen is the second author of 2 papers"), answer.text
    answer = answer_metadata("How often is Cy Day the third name listed?", papers, profile)
    assert [p.title for p in answer.papers] == [walk.title], answer.text
    answer = answer_metadata("Which subject code appears most often?", papers, profile)
    assert answer.text.startswith("CL is the most common category, with 2 papers"), answer.text
    assert {p.title for p in answer.papers} == {manuals.title, see.title}
    answer = answer_metadata("On how many entries is the list of authors truncated?", papers, profile)
    assert answer.text.startswith("1 paper of 3 in the listing cut"), answer.text
    assert [p.title for p in answer.papers] == [manuals.title]
    answer = answer_metadata("How many papers give a complete list of names?", papers, profile)
    assert answer.text.startswith("2 papers of 3") and "complete author list" in answer.text, answer.text


def test_the_time_between_two_described_papers_is_computed(offline):
    """Two papers a question describes, each found on its own, dated from the listing; a question in another
    language that no bibliographic form comes near is not read for its year alone."""
    by_title = {p.title: p for p in offline.papers}
    a, b = "Dream to Control: Learning Behaviors by Latent Imagination", "Mastering Atari with Discrete World Models"
    answer = offline.ask("How many weeks separate the latent imagination paper and the discrete world model one?")
    assert answer.route == "metadata" and "weeks" in answer.answer.split(":")[0], answer.answer
    assert [c.title for c in answer.citations] == [a, b], answer.answer
    days = (by_title[b].day - by_title[a].day).days
    assert f"{days // 7} weeks" in answer.answer
    answer = offline.ask("מה היה מזג האוויר בטורונטו ב-2019?")  # what was the weather in Toronto in 2019?
    assert answer.route == "not_answerable", answer
    answer = offline.ask("Combien d'articles la liste compte-t-elle pour 2020 ?")  # a count by year stays one
    assert answer.route == "metadata", answer
    # two years the papers could have make a span, never one paper's question; a game called 2048 is no year
    assert offline.reader._spans_years("Wie entwickelte sich die Arbeit an Weltmodellen von 2019 bis 2023?")
    assert not offline.reader._spans_years("Which 2022 paper plays 2048 and Connect Four?")


def test_a_named_papers_nth_author_the_newest_wording_and_who_is_not_shown(offline):
    """"Who is printed second on X?" reads X's author list; "the most recently dated entry" is the newest; "a month and
    day but no year" is a date without one; the papers whose shown authors lack the owner are listed as such."""
    papers, profile = offline.papers, offline.profile
    paper = next(p for p in papers if len(p.authors) >= 3)
    for question in (f'Who is printed second on "{paper.title}"?', f"Who is the second author of {paper.title}?"):
        answer = offline.ask(question)
        assert answer.route == "metadata" and answer.answer.startswith(
            f"The second author of {paper.title} [1] is {paper.authors[1]}"), (question, answer.answer)
    cut = next(p for p in papers if p.authors_truncated)
    answer = offline.ask(f"Who is the fourth author of {cut.title}?")
    assert answer.route == "metadata" and "its fourth author is not shown" in answer.answer, answer.answer
    dated = [p for p in papers if p.year_given]
    newest = max(dated, key=lambda p: p.date)
    answer = offline.ask("Which listed paper is the most recently dated one?")
    assert answer.route == "metadata" and newest.title in answer.answer, answer.answer
    undated = [p for p in papers if not p.year_given]
    answer = offline.ask("Which paper shows only a day and month, no year?")
    assert answer.route == "metadata" and [c.title for c in answer.citations] == [p.title for p in undated]
    hidden = [p for p in papers if not any(a == profile.name for a in p.authors)]
    answer = offline.ask(f"How many entries do not show {profile.name} among the printed authors?")
    assert answer.route == "metadata" and answer.answer.startswith(
        f"{len(hidden)} papers of the {len(papers)} in the listing do not show {profile.name}'s name"), answer.answer
    assert {c.title for c in answer.citations} <= {p.title for p in hidden}
    in_2020 = [p for p in papers if p.year == 2020 and any(a == profile.name for a in p.authors)]
    answer = offline.ask(f"Which 2020 entries show {profile.name.split()[-1]} among the printed names?")
    assert {c.title for c in answer.citations} == {p.title for p in in_2020}, answer.answer


def test_papers_of_a_topic_are_not_every_paper_of_the_listing():
    """A question the intent model sent to the listing by mistake ("which of the collection's papers are on X?") was
    answered with all of its papers; it is handed back to the papers, while "list every paper" is still the
    listing's."""
    from qa.metadata import answer_metadata
    from qa.papers import Profile

    papers, problems = parse_bibtex(BIB)
    assert problems == []
    profile = Profile(name="")
    answer = answer_metadata("Which papers in the collection are mainly about reproducibility?", papers, profile)
    assert not answer.understood and not answer.papers, answer.text
    answer = answer_metadata("list every paper in the collection", papers, profile)
    assert answer.understood and len(answer.papers) == len(papers), answer.text


def test_categories_stored_with_their_archive_are_read_as_the_question_writes_them():
    """A collection may store "cs.LG" where the listing stores "LG"; "in the CV category" and "under cs.LG
    rather than cs.CV" found no category there, so the answer listed every paper or none of them."""
    from qa.metadata import answer_metadata
    from qa.papers import Paper, Profile
    from qa.question import parse_category, parse_filters

    papers = [Paper(paper_id=str(i), title=f"Paper {i}", authors=["A. Author"], authors_truncated=False,
                    affiliations=[], category=category, date="2020-01-01", year=2020, has_code=False,
                    abstract="An abstract.")
              for i, category in enumerate(["cs.LG", "cs.CV", "cs.CV", "cs.LG", "cs.CV"])]
    assert parse_category("How many entries sit in the CV category?", papers) == "cs.CV"
    assert parse_category("Which entries fall under cs.LG rather than cs.CV?", papers) == "cs.LG"
    assert parse_category("Which papers are about computer vision?", papers) is None
    question = "How many entries sit in the CV category?"
    answer = answer_metadata(question, papers, Profile(name=""), parse_filters(question, papers))
    assert answer.understood and answer.text.startswith("3 papers"), answer.text


def test_a_category_before_any_listing_noun_and_author_counts_over_three():
    """"Which CL entry is the oldest?" answered the oldest paper of every category, and "have AI as their category"
    listed every category; "papers with exactly four authors" counted the whole collection, whose lists are whole
    (only a listing that cuts lists at three names says so)."""
    from qa.metadata import answer_metadata
    from qa.papers import Paper, Profile
    from qa.question import parse_category, parse_filters

    def paper(i, category, year, authors):
        return Paper(paper_id=str(i), title=f"Paper {i}", authors=[f"Author {i}{j}" for j in range(authors)],
                     authors_truncated=False, affiliations=[], category=category, date=f"{year}-01-01", year=year,
                     has_code=False, abstract="An abstract.")

    papers = [paper(0, "CL", 2019, 4), paper(1, "AI", 2021, 2), paper(2, "CL", 2022, 4), paper(3, "AI", 2020, 5)]
    for question in ("Which CL entry is the oldest?", "Which CL articles are there?", "the CL ones, please",
                     "How many entries have CL as their category?"):
        assert parse_category(question, papers) == "CL", question
    assert parse_category("Which entries discuss CL?", papers) is None  # no word saying it is the category
    question = "Which CL entry is the oldest?"
    answer = answer_metadata(question, papers, Profile(name=""), parse_filters(question, papers))
    assert [p.title for p in answer.papers] == ["Paper 0"], answer.text
    answer = answer_metadata("How many papers have exactly four authors?", papers, Profile(name=""))
    assert answer.text.startswith("2 papers in the listing have exactly 4 authors"), answer.text
    assert {p.title for p in answer.papers} == {"Paper 0", "Paper 2"} and "et al." not in answer.text, answer.text
    answer = answer_metadata("Which entries have 5 authors?", papers, Profile(name=""))
    assert [p.title for p in answer.papers] == ["Paper 3"], answer.text
    # "first" is the listing's order, unless a paper claims to be the first to do something
    assert answer_metadata("Which entry came first?", papers, Profile(name="")).papers == [papers[0]]
    for question in ("Which entries claim to be the first of their kind?", "Which paper was the first to do it?"):
        assert not answer_metadata(question, papers, Profile(name="")).text.startswith("The oldest"), question


def test_months_with_one_entry_and_the_newer_of_two_before(offline):
    """"Which calendar months hold just one paper?" is the papers per month; "is the second of the two newer?" after an
    answer that names two papers is asked of those two."""
    from collections import Counter

    from qa.field_counts import paper_month
    from qa.papers import MONTHS

    papers = offline.papers
    counts = Counter(m for p in papers if (m := paper_month(p)))
    answer = offline.ask("Which calendar months hold just one paper?")
    assert answer.route == "metadata", answer.route_reason
    assert all(f"{MONTHS[m - 1]}: 1 paper" in answer.answer for m, n in counts.items() if n == 1), answer.answer
    first, second = sorted(papers, key=lambda p: p.date)[:2]
    history = [{"role": "user", "content": "Which are the two oldest entries?"},
               {"role": "assistant", "content": f"{first.title} and {second.title}."}]
    for question in ("Which of the two is the more recent one?", "Which of them is newer?"):
        answer = offline.ask(question, history)
        assert answer.route == "metadata" and [c.title for c in answer.citations] == [second.title], answer.answer
    # "older than" is a bound on the years, not the oldest paper
    before = {p.title for p in papers if p.year < 2019}
    answer = offline.ask("Which papers are older than 2019?")
    assert {c.title for c in answer.citations} == before, answer.answer


def test_people_counted_and_the_longest_author_list_read_every_paper(offline):
    """"How many different people are first authors across the listing?" and "which of these papers has the longest
    author list?" name a place in an author list but ask about all of them: no one paper is read for them."""
    papers = offline.papers
    firsts = {p.authors[0] for p in papers if p.authors}
    answer = offline.ask("How many distinct people are the first author across the listing?")
    assert answer.route == "metadata" and answer.answer.startswith(
        f"{len(firsts)} different people are the first author"), answer.answer
    # the listing cuts long author lists short ("et al."): said, and the papers it cannot rank are listed
    answer = offline.ask("Which of these entries has the longest author list?")
    assert answer.route == "metadata" and "cannot rank the largest ones exactly" in answer.answer, answer.answer
    assert {c.title for c in answer.citations} <= {p.title for p in papers if p.authors_truncated}


def test_authors_called_people_and_more_authors_than_any_other():
    """"Written by exactly four people" counted the whole collection, and "lists more authors than any other" was
    not read as the longest author list; "fewer … than any other" is the shortest."""
    from qa.metadata import answer_metadata
    from qa.papers import Paper, Profile

    def paper(i, authors):
        return Paper(paper_id=str(i), title=f"Paper {i}", authors=[f"Author {i}{j}" for j in range(authors)],
                     authors_truncated=False, affiliations=[], category="LG", date=f"{2019 + i}-01-01",
                     year=2019 + i, has_code=False, abstract="An abstract.")

    papers = [paper(0, 4), paper(1, 2), paper(2, 4), paper(3, 6)]
    answer = answer_metadata("How many papers were written by exactly four people?", papers, Profile(name=""))
    assert answer.text.startswith("2 papers in the listing have exactly 4 authors"), answer.text
    answer = answer_metadata("Which entries come from a team of six researchers?", papers, Profile(name=""))
    assert [p.title for p in answer.papers] == ["Paper 3"], answer.text
    answer = answer_metadata("Which paper lists more authors than any other?", papers, Profile(name=""))
    assert [p.title for p in answer.papers] == ["Paper 3"], answer.text
    answer = answer_metadata("Which paper names fewer authors than every other one?", papers, Profile(name=""))
    assert [p.title for p in answer.papers] == ["Paper 1"], answer.text


def test_a_few_papers_counted_per_category_are_named_and_cited():
    """"How many different categories show up among the 2024 entries?": the three papers of that year are named
    under their category and cited, so each count can be checked; the whole collection's breakdown only counts."""
    from qa.metadata import NAMED_PER_CATEGORY, answer_metadata
    from qa.papers import Paper, Profile
    from qa.question import parse_filters

    def paper(i, category, year):
        return Paper(paper_id=str(i), title=f"Paper {i}", authors=[f"Author {i}"], authors_truncated=False,
                     affiliations=[], category=category, date=f"{year}-01-01", year=year, has_code=False,
                     abstract="An abstract.")

    papers = [paper(0, "LG", 2024), paper(1, "CL", 2024), paper(2, "LG", 2024)] + [
        paper(i, "CV", 2020) for i in range(3, 4 + NAMED_PER_CATEGORY)]
    question = "How many different categories show up among the 2024 entries?"
    answer = answer_metadata(question, papers, Profile(name=""), parse_filters(question, papers))
    assert answer.text.startswith("2 different categories appear"), answer.text
    assert [p.category for p in answer.papers] == ["LG", "LG", "CL"], answer.text
    for n, p in enumerate(answer.papers, 1):
        assert f"{p.title} [{n}]" in answer.text, answer.text
    answer = answer_metadata("How many different categories are there?", papers, Profile(name=""))
    assert answer.text.startswith("3 different categories appear") and not answer.papers, answer.text
