//! Gender of person mentions for pronoun agreement: pronouns, honorifics and gendered nouns, and
//! common first names.

use super::{Chars, Kind, Mention, listed, lower_words, up_to_head};

/// A person's grammatical gender, where the text shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Gender {
    Male,
    Female,
}

/// Honorifics and nouns that show a man (space-separated).
const MALE_WORDS: &str = "he him mr sir lord king prince man boy father son husband brother uncle grandfather spokesman chairman actor businessman congressman dad nephew monk \
     pope";
/// Honorifics and nouns that show a woman (space-separated).
const FEMALE_WORDS: &str = "she her mrs ms miss lady dame queen princess woman girl mother daughter wife sister aunt grandmother spokeswoman chairwoman actress businesswoman \
     congresswoman mum mom niece nun girls women";
/// Common first names of men, and of women (space-separated; others stay unknown).
const MALE_NAMES: &str = "john james robert michael william david richard joseph thomas charles christopher daniel matthew anthony mark donald steven paul andrew joshua kenneth \
     kevin brian george timothy ronald edward jason jeffrey ryan jacob gary nicholas eric jonathan stephen larry justin scott brandon benjamin samuel \
     gregory alexander frank patrick raymond jack dennis jerry tyler aaron jose adam nathan henry douglas zachary peter kyle noah ethan jeremy walter \
     christian keith roger terry austin sean gerald carl harold dylan arthur lawrence jordan jesse bryan billy bruce gabriel joe logan alan juan albert \
     willie elijah wayne randy vincent mason roy ralph bobby russell bradley philip eugene tony gordon nick ian neil colin graham nigel simon martin tom \
     bob bill jim mike dave steve ben sam charlie harry oliver hugh barack vladimir boris emmanuel francois pierre jacques nicolas angelo giuseppe \
     mohammed muhammad mohamed ahmed ali omar hassan hussein abdullah ibrahim khalid mahmoud yusuf recep shinzo narendra rahul sergei dmitry \
     ivan igor viktor alexei hans klaus wolfgang jurgen carlos luis miguel pedro antonio manuel francisco javier diego fernando ricardo andres hugo";
const FEMALE_NAMES: &str = "mary patricia jennifer linda elizabeth barbara susan jessica sarah karen nancy lisa betty margaret sandra ashley kimberly emily donna michelle dorothy \
     carol amanda melissa deborah stephanie rebecca sharon laura cynthia kathleen amy shirley angela helen anna brenda pamela nicole emma samantha \
     katherine christine debra rachel catherine carolyn janet ruth maria heather diane virginia julie joyce victoria olivia kelly christina lauren joan \
     evelyn judith megan cheryl andrea hannah martha jacqueline frances gloria ann teresa kathryn sara janice jean alice madison doris abigail julia judy \
     grace denise amber marilyn beverly danielle theresa sophia marie diana brittany natalie isabella charlotte rose alexis kayla hillary tessa harriet \
     clare claire fiona tracey tracy jane kate lucy sally valerie yvonne marine segolene ursula benazir indira aung fatima aisha ayesha yulia svetlana olga \
     irina natalia tatiana ana carmen isabel lucia paula cristina dilma nicola priti madeleine condoleezza kamala elena sofia giulia francesca valeska";

/// The gender mention `m` shows: its pronoun, its head noun, an honorific before or in it, or a
/// common first name.
pub(super) fn gender_of(chars: &Chars, m: &Mention) -> Option<Gender> {
    let words = lower_words(&m.text);
    let before: Vec<String> = lower_words(&chars.slice(m.start.saturating_sub(12), m.start)).into_iter().rev().take(1).collect();
    let pick = |w: &str| {
        let w = w.trim_end_matches(['.', ',']).trim_end_matches("'s");
        if listed(MALE_WORDS, w) {
            Some(Gender::Male)
        } else if listed(FEMALE_WORDS, w) {
            Some(Gender::Female)
        } else {
            None
        }
    };
    match &m.kind {
        Kind::Pronoun(_) => words.first().and_then(|w| pick(w)),
        Kind::Description { .. } => up_to_head(&words).last().and_then(|w| pick(w)),
        Kind::Name if m.label.as_deref() == Some("PER") => {
            let honorific = before.iter().chain(words.iter().take(words.len().saturating_sub(1))).find_map(|w| pick(w));
            honorific.or_else(|| {
                let first = words.iter().find(|w| pick(w).is_none())?.trim_end_matches("'s").to_string();
                if listed(MALE_NAMES, &first) {
                    Some(Gender::Male)
                } else if listed(FEMALE_NAMES, &first) {
                    Some(Gender::Female)
                } else {
                    None
                }
            })
        }
        _ => None,
    }
}
