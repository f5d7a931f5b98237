import { CefrLevel, Gender, Language } from '../../domain';

/** Fixed content the seed draws from (see seed.ts). */

type Named = readonly [name: string, gender: Gender];
const { Male: M, Female: F, Other: O } = Gender;

export const HERO_NAMES: Record<Language, readonly Named[]> = {
  [Language.English]: [['Oliver Hart', M], ['Amelia Brooks', F], ['Jack Thornton', M], ['Lily Sparrow', F], ['Sam Fletcher', O], ['Grace Whitfield', F], ['Harry Finch', M]],
  [Language.Russian]: [['Ivan Sokolov', M], ['Alyona Zaitseva', F], ['Mikhail Orlov', M], ['Darya Lebedeva', F], ['Sasha Belova', O], ['Yaroslav Kuznetsov', M], ['Vasilisa Morozova', F]],
  [Language.German]: [['Lukas Bergmann', M], ['Greta Falk', F], ['Felix Wagner', M], ['Ida Sommer', F], ['Kim Adler', O], ['Jonas Eichhorn', M], ['Lotte Winter', F]],
  [Language.French]: [['Léo Marchand', M], ['Manon Lefèvre', F], ['Hugo Moreau', M], ['Chloé Girard', F], ['Camille Dubois', O], ['Louis Fontaine', M], ['Inès Roux', F]],
  [Language.Spanish]: [['Mateo García', M], ['Lucía Fernández', F], ['Diego Navarro', M], ['Sofía Romero', F], ['Alex Ortega', O], ['Pablo Castillo', M], ['Valentina Ruiz', F]],
  [Language.Greek]: [['Nikos Papadopoulos', M], ['Eleni Georgiou', F], ['Yannis Kostas', M], ['Sofia Dimitriou', F], ['Alexis Vlachos', O], ['Kostas Antoniou', M], ['Maria Ioannou', F]],
};

/** Appended to hero names once every name of a language is taken. */
export const EPITHETS = ['the Bold', 'the Wise', 'the Swift', 'the Kind', 'the Curious', 'the Brave'] as const;

export const HERO_PLACES: Record<Language, readonly string[]> = {
  [Language.English]: ['a fishing village in Cornwall', 'the Yorkshire moors', 'a lighthouse on the Scottish coast'],
  [Language.Russian]: ['a village at the edge of the taiga', 'a wooden house by Lake Baikal', 'the snowy streets of Vologda'],
  [Language.German]: ['the Black Forest', 'a castle on the Rhine', 'a mill in the Bavarian Alps'],
  [Language.French]: ['a lavender farm in Provence', 'the rooftops of Paris', 'a harbour in Brittany'],
  [Language.Spanish]: ['a white village in Andalusia', 'the green hills of Galicia', 'a market street in Valencia'],
  [Language.Greek]: ['a whitewashed village on Naxos', 'the olive groves of Crete', 'a harbour in Thessaloniki'],
};

export const HERO_ROLES = ['young sailor', 'clockmaker', 'map-drawing explorer', 'apprentice baker', 'stargazer', 'beekeeper', 'bridge builder', 'wandering musician'] as const;
export const HERO_DEEDS = [
  'never leaves a friend behind',
  'solves riddles nobody else can',
  'talks to the animals of the forest',
  'is searching for a lost golden compass',
  'fixes anything with a bit of string',
  'keeps a notebook full of secret recipes',
  'is afraid of the dark but goes anyway',
  'collects stories from every traveller',
] as const;

export const CHILDREN: ReadonlyArray<readonly [name: string, age: number, gender: Gender]> = [
  ['Emma', 6, F], ['Noah', 5, M], ['Mia', 8, F], ['Leo', 7, M], ['Anna', 4, F], ['Daniel', 9, M],
  ['Zoe', 6, F], ['Max', 5, M], ['Eleni', 7, F], ['Dimitris', 8, M], ['Ari', 6, O], ['Sofia', 10, F],
];

export const INTERESTS = ['dinosaurs', 'space', 'dragons', 'pirates', 'animals', 'football', 'music', 'drawing', 'the sea', 'robots', 'castles', 'trains'] as const;

export const STORY_OBJECTS = ['Silver Key', 'Whispering Lighthouse', 'Lost Map', 'Moonlit Garden', 'Clockwork Bird', 'Hidden Cave', 'Paper Boat', 'Sleepy Volcano'] as const;

export const DECKS: Record<CefrLevel, readonly [string, string, string]> = {
  [CefrLevel.A1]: ['First Words', 'Home and Table', 'Greetings, family, food and everyday things'],
  [CefrLevel.A2]: ['Out and About', 'Travel Days', 'Getting around, shopping, weather and holidays'],
  [CefrLevel.B1]: ['Talking Things Over', 'Life and Work', 'Opinions, plans, work and everyday issues'],
  [CefrLevel.B2]: ['Making the Case', 'Society Today', 'Argument, society, research and progress'],
  [CefrLevel.C1]: ['Nuance and Tone', 'Public Life', 'Abstract nouns for debate, policy and feelings'],
  [CefrLevel.C2]: ['Rare and Refined', 'Literary Greek', 'Formal and literary vocabulary'],
};

/** Greek | English | example sentence, 20 per level. */
export const VOCABULARY: Record<CefrLevel, readonly string[]> = {
  [CefrLevel.A1]: [
    'καλημέρα|good morning|Καλημέρα, τι κάνεις;', 'ευχαριστώ|thank you|Ευχαριστώ πολύ για τον καφέ.',
    'νερό|water|Θέλω ένα ποτήρι νερό.', 'ψωμί|bread|Το ψωμί είναι φρέσκο.', 'σπίτι|house, home|Το σπίτι μας είναι μικρό.',
    'σκύλος|dog|Ο σκύλος παίζει στον κήπο.', 'γάτα|cat|Η γάτα κοιμάται στον καναπέ.', 'μήλο|apple|Τρώω ένα κόκκινο μήλο.',
    'φίλος|friend|Ο Νίκος είναι καλός φίλος.', 'σχολείο|school|Πηγαίνω στο σχολείο με τα πόδια.',
    'μητέρα|mother|Η μητέρα μου μαγειρεύει.', 'πατέρας|father|Ο πατέρας μου διαβάζει εφημερίδα.',
    'βιβλίο|book|Διαβάζω ένα ωραίο βιβλίο.', 'θάλασσα|sea|Η θάλασσα είναι ζεστή σήμερα.', 'ήλιος|sun|Ο ήλιος λάμπει.',
    'τυρί|cheese|Μου αρέσει το τυρί φέτα.', 'γάλα|milk|Πίνω γάλα το πρωί.', 'δρόμος|street, road|Ο δρόμος είναι ήσυχος.',
    'αυτοκίνητο|car|Το αυτοκίνητο είναι καινούργιο.', "παρακαλώ|please; you're welcome|Ένα νερό, παρακαλώ.",
  ],
  [CefrLevel.A2]: [
    'ταξίδι|trip, journey|Το ταξίδι στην Κρήτη ήταν υπέροχο.', 'εισιτήριο|ticket|Αγόρασα εισιτήριο για το πλοίο.',
    'σταθμός|station|Ο σταθμός είναι κοντά.', 'ξενοδοχείο|hotel|Μένουμε σε ένα μικρό ξενοδοχείο.',
    'δωμάτιο|room|Το δωμάτιο έχει θέα στη θάλασσα.', 'λογαριασμός|bill, account|Τον λογαριασμό, παρακαλώ.',
    'αγορά|market|Ψωνίζουμε φρούτα στη λαϊκή αγορά.', 'καιρός|weather|Τι καιρό κάνει αύριο;',
    'βροχή|rain|Η βροχή σταμάτησε το απόγευμα.', 'γιατρός|doctor|Πρέπει να πάω στον γιατρό.',
    'φαρμακείο|pharmacy|Το φαρμακείο ανοίγει στις εννιά.', 'δουλειά|work, job|Τελειώνω τη δουλειά στις πέντε.',
    'ρούχα|clothes|Αγόρασα καινούργια ρούχα.', 'παπούτσια|shoes|Αυτά τα παπούτσια είναι άνετα.',
    'πρωινό|breakfast|Το πρωινό είναι έτοιμο.', 'βράδυ|evening|Το βράδυ βλέπουμε ταινία.',
    'γειτονιά|neighbourhood|Η γειτονιά μας έχει πολλά δέντρα.', 'λεωφορείο|bus|Το λεωφορείο αργεί σήμερα.',
    'χάρτης|map|Κοιτάζω τον χάρτη της πόλης.', 'διακοπές|holidays|Πάμε διακοπές τον Αύγουστο.',
  ],
  [CefrLevel.B1]: [
    'εμπειρία|experience|Ήταν μια πολύτιμη εμπειρία.', 'απόφαση|decision|Πήρε μια δύσκολη απόφαση.',
    'συζήτηση|conversation|Είχαμε μια ενδιαφέρουσα συζήτηση.', 'ευκαιρία|opportunity|Μη χάσεις αυτή την ευκαιρία.',
    'προσπάθεια|effort|Η προσπάθειά σου αξίζει.', 'περιβάλλον|environment|Πρέπει να προστατεύουμε το περιβάλλον.',
    'εφημερίδα|newspaper|Διαβάζω την εφημερίδα κάθε πρωί.', 'συνέντευξη|interview|Αύριο έχω συνέντευξη για δουλειά.',
    'υγεία|health|Η υγεία είναι το πιο σημαντικό.', 'στόχος|goal|Ο στόχος μου είναι να μάθω ελληνικά.',
    'αποτέλεσμα|result|Το αποτέλεσμα ήταν καλύτερο απ’ ό,τι περίμενα.', 'συνήθεια|habit|Το διάβασμα είναι καλή συνήθεια.',
    'γνώμη|opinion|Ποια είναι η γνώμη σου;', 'εξήγηση|explanation|Δεν βρήκα καμία εξήγηση.',
    'ανησυχία|worry, concern|Καταλαβαίνω την ανησυχία σου.', 'πρόβλημα|problem|Λύσαμε το πρόβλημα μαζί.',
    'έκπληξη|surprise|Του ετοιμάσαμε μια έκπληξη.', 'παράδοση|tradition|Το Πάσχα έχει πολλές παραδόσεις.',
    'μισθός|salary|Ο μισθός του αυξήθηκε.', 'ενοίκιο|rent|Το ενοίκιο είναι ακριβό στο κέντρο.',
  ],
  [CefrLevel.B2]: [
    'συμφωνία|agreement|Καταλήξαμε σε συμφωνία.', 'επιρροή|influence|Η επιρροή της τεχνολογίας είναι μεγάλη.',
    'ανάπτυξη|development, growth|Η οικονομική ανάπτυξη είναι αργή.', 'υπευθυνότητα|responsibility|Δείχνει μεγάλη υπευθυνότητα στη δουλειά.',
    'διαφωνία|disagreement|Η διαφωνία τους λύθηκε γρήγορα.', 'προτεραιότητα|priority|Η ασφάλεια είναι προτεραιότητα.',
    'επιχείρημα|argument (reason)|Το επιχείρημά σου είναι πειστικό.', 'πρόοδος|progress|Έκανες μεγάλη πρόοδο φέτος.',
    'κοινωνία|society|Η κοινωνία αλλάζει γρήγορα.', 'επένδυση|investment|Η εκπαίδευση είναι καλή επένδυση.',
    'προϋπόθεση|prerequisite|Η εμπειρία είναι βασική προϋπόθεση.', 'συμπέρασμα|conclusion|Ποιο είναι το συμπέρασμα της έρευνας;',
    'έρευνα|research|Η έρευνα διήρκεσε δύο χρόνια.', 'ισορροπία|balance|Ψάχνω ισορροπία ανάμεσα στη δουλειά και τη ζωή.',
    'προσφορά|offer|Η προσφορά ισχύει μέχρι την Κυριακή.', 'απαίτηση|requirement|Οι απαιτήσεις της θέσης είναι υψηλές.',
    'αξιοπιστία|reliability|Η αξιοπιστία της πηγής είναι αμφίβολη.', 'συνέπεια|consequence|Κάθε πράξη έχει συνέπειες.',
    'δυνατότητα|possibility|Έχουμε τη δυνατότητα να επιλέξουμε.', 'εκτίμηση|estimate|Σύμφωνα με μια εκτίμηση, το κόστος θα διπλασιαστεί.',
  ],
  [CefrLevel.C1]: [
    'αμφισβήτηση|questioning, challenge|Η αμφισβήτηση της απόφασης ήταν αναμενόμενη.', 'διαφάνεια|transparency|Ζητάμε διαφάνεια στη διοίκηση.',
    'ευελιξία|flexibility|Η ευελιξία είναι απαραίτητη σε αυτή τη δουλειά.', 'ανεκτικότητα|tolerance|Η ανεκτικότητα χτίζει γέφυρες.',
    'αναβολή|postponement|Η αναβολή της συνάντησης μάς εξυπηρετεί.', 'παρερμηνεία|misinterpretation|Υπήρξε παρερμηνεία των λόγων του.',
    'διακύμανση|fluctuation|Παρατηρείται διακύμανση στις τιμές.', 'αυθεντικότητα|authenticity|Αμφισβητήθηκε η αυθεντικότητα του εγγράφου.',
    'επιφύλαξη|reservation (doubt)|Δέχτηκε την πρόταση με επιφύλαξη.', 'αντίφαση|contradiction|Η δήλωσή του περιέχει μια αντίφαση.',
    'υπόνοια|suspicion, hint|Δεν υπάρχει καμία υπόνοια απάτης.', 'παρέμβαση|intervention|Η παρέμβαση του δημάρχου ήταν καθοριστική.',
    'προκατάληψη|prejudice, bias|Πρέπει να ξεπεράσουμε τις προκαταλήψεις.', 'αειφορία|sustainability|Η αειφορία είναι στόχος της εταιρείας.',
    'διαπραγμάτευση|negotiation|Η διαπραγμάτευση κράτησε όλη τη νύχτα.', 'επισήμανση|remark|Ευχαριστώ για την επισήμανση.',
    'ενσυναίσθηση|empathy|Η ενσυναίσθηση είναι σημαντική για έναν δάσκαλο.', 'απογοήτευση|disappointment|Δεν έκρυψε την απογοήτευσή του.',
    'αξιολόγηση|assessment|Η αξιολόγηση γίνεται κάθε χρόνο.', 'μεθοδικότητα|methodicalness|Η μεθοδικότητά της εντυπωσιάζει.',
  ],
  [CefrLevel.C2]: [
    'αδιαλλαξία|intransigence|Η αδιαλλαξία και των δύο πλευρών οδήγησε σε αδιέξοδο.', 'αδιέξοδο|impasse, dead end|Οι συνομιλίες έφτασαν σε αδιέξοδο.',
    'ευφυολόγημα|witticism|Το ευφυολόγημά του έκανε όλους να γελάσουν.', 'αναχρονισμός|anachronism|Ο νόμος αυτός είναι πια αναχρονισμός.',
    'ψευδαίσθηση|illusion|Ζει με την ψευδαίσθηση ότι όλα είναι εύκολα.', 'περιφρόνηση|contempt|Τον κοίταξε με περιφρόνηση.',
    'εφησυχασμός|complacency|Ο εφησυχασμός είναι επικίνδυνος.', 'μεγαλοστομία|grandiloquence|Η ομιλία του χαρακτηριζόταν από μεγαλοστομία.',
    'ιδιοσυγκρασία|temperament|Έχει έντονη ιδιοσυγκρασία.', 'ασυνέπεια|inconsistency|Η ασυνέπειά του μας κούρασε.',
    'παραλογισμός|absurdity|Ο παραλογισμός της κατάστασης ήταν προφανής.', 'ευθιξία|touchiness|Η ευθιξία του κάνει τη συζήτηση δύσκολη.',
    'ακεραιότητα|integrity|Κανείς δεν αμφισβητεί την ακεραιότητά της.', 'απαξίωση|disdain, devaluation|Η απαξίωση των θεσμών ανησυχεί.',
    'ενδελέχεια|thoroughness|Εξέτασε το θέμα με ενδελέχεια.', 'ευπρέπεια|propriety, decorum|Τηρήθηκαν οι κανόνες ευπρέπειας.',
    'καταχρηστικός|abusive, improper|Ο όρος κρίθηκε καταχρηστικός.', 'αλληγορία|allegory|Το μυθιστόρημα είναι μια αλληγορία της εξουσίας.',
    'αποστασιοποίηση|distancing oneself|Η αποστασιοποίησή του από το κόμμα ήταν σαφής.', 'ευμετάβλητος|changeable, fickle|Ο καιρός στα νησιά είναι ευμετάβλητος.',
  ],
};
