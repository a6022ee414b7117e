//! Names and heritage: lists of common given names and family names for the communities that
//! live in an English town, combined at random so that every person is an invented combination.
//! A heritage also suggests the DfE ethnicity codes and the languages spoken at home.

use crate::dist::Draw;

/// The naming traditions the generator draws on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Heritage {
    WhiteBritish,
    Irish,
    Traveller,
    EasternEuropean,
    Roma,
    Indian,
    Pakistani,
    Bangladeshi,
    BlackAfrican,
    Somali,
    BlackCaribbean,
    Arabic,
    Chinese,
    Turkish,
    Kurdish,
    Afghan,
    Eritrean,
    Vietnamese,
    Portuguese,
}

/// How common each heritage is among families in the synthetic authority (a diverse town).
pub const HERITAGE_MIX: &[(Heritage, f64)] = &[
    (Heritage::WhiteBritish, 63.0),
    (Heritage::Irish, 1.5),
    (Heritage::Traveller, 0.4),
    (Heritage::EasternEuropean, 5.5),
    (Heritage::Roma, 0.6),
    (Heritage::Indian, 4.0),
    (Heritage::Pakistani, 5.5),
    (Heritage::Bangladeshi, 2.2),
    (Heritage::BlackAfrican, 3.8),
    (Heritage::Somali, 1.0),
    (Heritage::BlackCaribbean, 2.2),
    (Heritage::Arabic, 2.2),
    (Heritage::Chinese, 0.9),
    (Heritage::Turkish, 1.1),
    (Heritage::Kurdish, 0.6),
    (Heritage::Afghan, 0.5),
    (Heritage::Eritrean, 0.3),
    (Heritage::Vietnamese, 0.4),
    (Heritage::Portuguese, 1.1),
];

struct NameList {
    male: &'static [&'static str],
    female: &'static [&'static str],
    family: &'static [&'static str],
}

const BRITISH: NameList = NameList {
    male: &[
        "Oliver",
        "George",
        "Harry",
        "Jack",
        "Jacob",
        "Noah",
        "Charlie",
        "Thomas",
        "Oscar",
        "William",
        "James",
        "Leo",
        "Alfie",
        "Henry",
        "Joshua",
        "Freddie",
        "Archie",
        "Ethan",
        "Isaac",
        "Alexander",
        "Joseph",
        "Edward",
        "Samuel",
        "Max",
        "Logan",
        "Lucas",
        "Daniel",
        "Theo",
        "Dylan",
        "Harrison",
        "Riley",
        "Mason",
        "Tyler",
        "Kieran",
        "Liam",
        "Callum",
        "Lewis",
        "Jamie",
        "Connor",
        "Reece",
        "Bradley",
        "Ryan",
        "Nathan",
        "Luke",
        "Adam",
        "Ben",
        "Sam",
        "Toby",
        "Finley",
        "Arthur",
        "Teddy",
        "Reggie",
        "Stanley",
        "Albie",
        "Craig",
        "Darren",
        "Lee",
        "Wayne",
        "Gary",
        "Paul",
        "Mark",
        "Steven",
        "Dean",
    ],
    female: &[
        "Olivia",
        "Amelia",
        "Isla",
        "Ava",
        "Emily",
        "Isabella",
        "Mia",
        "Poppy",
        "Ella",
        "Lily",
        "Jessica",
        "Sophie",
        "Grace",
        "Evie",
        "Ruby",
        "Chloe",
        "Freya",
        "Daisy",
        "Phoebe",
        "Holly",
        "Megan",
        "Charlotte",
        "Lucy",
        "Millie",
        "Scarlett",
        "Matilda",
        "Ellie",
        "Florence",
        "Willow",
        "Rosie",
        "Harper",
        "Evelyn",
        "Maisie",
        "Lola",
        "Hannah",
        "Bethany",
        "Courtney",
        "Jade",
        "Kayleigh",
        "Chelsea",
        "Shannon",
        "Leanne",
        "Kelly",
        "Stacey",
        "Gemma",
        "Laura",
        "Rebecca",
        "Amy",
        "Danielle",
        "Natalie",
        "Hayley",
        "Zoe",
        "Katie",
        "Abigail",
        "Paige",
        "Tilly",
        "Esme",
        "Elsie",
        "Mollie",
        "Nicola",
        "Claire",
        "Sarah",
        "Emma",
        "Joanne",
        "Michelle",
        "Donna",
        "Tracey",
    ],
    family: &[
        "Smith",
        "Jones",
        "Taylor",
        "Brown",
        "Williams",
        "Wilson",
        "Johnson",
        "Davies",
        "Robinson",
        "Wright",
        "Thompson",
        "Evans",
        "Walker",
        "White",
        "Roberts",
        "Green",
        "Hall",
        "Wood",
        "Jackson",
        "Clarke",
        "Harris",
        "Lewis",
        "Turner",
        "Hill",
        "Cooper",
        "Ward",
        "Morris",
        "Moore",
        "Clark",
        "Lee",
        "King",
        "Baker",
        "Harrison",
        "Morgan",
        "Allen",
        "James",
        "Scott",
        "Phillips",
        "Watson",
        "Davis",
        "Parker",
        "Price",
        "Bennett",
        "Young",
        "Griffiths",
        "Mitchell",
        "Kelly",
        "Cook",
        "Carter",
        "Richardson",
        "Bailey",
        "Collins",
        "Bell",
        "Shaw",
        "Murphy",
        "Miller",
        "Cox",
        "Richards",
        "Khan",
        "Marshall",
        "Anderson",
        "Simpson",
        "Ellis",
        "Adams",
        "Wilkinson",
        "Foster",
        "Chapman",
        "Mason",
        "Webb",
        "Rogers",
        "Gray",
        "Hughes",
        "Lloyd",
        "Hunt",
        "Holmes",
        "Palmer",
        "Barnes",
        "Knight",
        "Butler",
        "Russell",
        "Dixon",
        "Fletcher",
        "Barker",
        "Pearson",
        "Stevens",
        "Hudson",
        "Marsh",
        "Booth",
        "Kirby",
        "Lowe",
        "Fisher",
        "Sutton",
        "Pickering",
        "Holt",
        "Brennan",
        "Whitehead",
        "Armitage",
        "Crossley",
    ],
};

const IRISH: NameList = NameList {
    male: &[
        "Sean", "Conor", "Cian", "Oisin", "Padraig", "Declan", "Liam", "Ciaran", "Eoin", "Darragh",
        "Ronan", "Fionn", "Cathal", "Niall", "Kevin", "Brendan", "Aidan", "Patrick", "Michael",
        "Tadhg", "Shane", "Colm", "Dara", "Rory",
    ],
    female: &[
        "Aoife", "Siobhan", "Niamh", "Ciara", "Saoirse", "Roisin", "Orla", "Aisling", "Caoimhe",
        "Grainne", "Sinead", "Mairead", "Clodagh", "Eimear", "Fiadh", "Nora", "Bridget",
        "Kathleen", "Maeve", "Aine", "Deirdre", "Shauna", "Emer",
    ],
    family: &[
        "Murphy",
        "Kelly",
        "O'Sullivan",
        "Walsh",
        "O'Brien",
        "Byrne",
        "Ryan",
        "O'Connor",
        "O'Neill",
        "O'Reilly",
        "Doyle",
        "McCarthy",
        "Gallagher",
        "Doherty",
        "Kennedy",
        "Lynch",
        "Murray",
        "Quinn",
        "Moore",
        "McLoughlin",
        "Carroll",
        "Connolly",
        "Daly",
        "Dunne",
        "Brennan",
        "Burke",
        "Collins",
        "Farrell",
        "Fitzgerald",
        "Flanagan",
        "Keane",
        "Maguire",
        "Nolan",
        "Regan",
        "Sheridan",
        "Tierney",
        "Whelan",
    ],
};

const TRAVELLER: NameList = NameList {
    male: &[
        "Patrick", "John", "Michael", "Martin", "Thomas", "James", "Christy", "Johnny", "Tommy",
        "Paddy", "Francie", "Willie", "Jimmy", "Joe", "Mikey",
    ],
    female: &[
        "Mary", "Bridget", "Margaret", "Kathleen", "Nora", "Winnie", "Ellen", "Theresa", "Annie",
        "Julia", "Chrissie", "Josie", "Nellie", "Sarah",
    ],
    family: &[
        "Ward",
        "McDonagh",
        "Connors",
        "Maughan",
        "Joyce",
        "Doherty",
        "Quilligan",
        "Delaney",
        "Furey",
        "Reilly",
        "Cash",
        "Mongan",
        "Keenan",
        "Stokes",
        "Nevin",
    ],
};

const EASTERN_EUROPEAN: NameList = NameList {
    male: &[
        "Jakub",
        "Kacper",
        "Szymon",
        "Filip",
        "Mateusz",
        "Michal",
        "Bartosz",
        "Piotr",
        "Tomasz",
        "Lukasz",
        "Andrei",
        "Alexandru",
        "Ionut",
        "Mihai",
        "Bogdan",
        "Vlad",
        "Tomas",
        "Mantas",
        "Lukas",
        "Dovydas",
        "Dawid",
        "Krzysztof",
        "Marek",
        "Janis",
        "Oleksandr",
        "Dmytro",
        "Ivan",
        "Nikola",
        "Stefan",
        "Georgi",
        "Darius",
    ],
    female: &[
        "Zuzanna",
        "Julia",
        "Maja",
        "Zofia",
        "Hanna",
        "Lena",
        "Aleksandra",
        "Natalia",
        "Oliwia",
        "Wiktoria",
        "Agnieszka",
        "Katarzyna",
        "Ioana",
        "Andreea",
        "Elena",
        "Maria",
        "Gabriela",
        "Ieva",
        "Gabija",
        "Ruta",
        "Kristina",
        "Anastasia",
        "Daria",
        "Olena",
        "Iryna",
        "Milena",
        "Petra",
        "Ewa",
        "Monika",
        "Bianca",
    ],
    family: &[
        "Nowak",
        "Kowalski",
        "Wisniewski",
        "Wojcik",
        "Kaminski",
        "Lewandowski",
        "Zielinski",
        "Szymanski",
        "Dabrowski",
        "Kozlowski",
        "Mazur",
        "Krawczyk",
        "Popescu",
        "Ionescu",
        "Dumitru",
        "Stan",
        "Munteanu",
        "Constantin",
        "Kazlauskas",
        "Petrauskas",
        "Jankauskas",
        "Berzins",
        "Kalnins",
        "Shevchenko",
        "Bondarenko",
        "Kovalenko",
        "Horvat",
        "Novak",
        "Dimitrov",
        "Georgiev",
        "Varga",
        "Toth",
        "Marinescu",
        "Pavlov",
    ],
};

const ROMA: NameList = NameList {
    male: &[
        "Marian", "Ionel", "Florin", "Costel", "Vasile", "Radu", "Gheorghe", "Tibor", "Zoltan",
        "Dusan", "Milan", "Jozef", "Stefan", "Adrian",
    ],
    female: &[
        "Florentina",
        "Mirela",
        "Roxana",
        "Lenuta",
        "Marta",
        "Renata",
        "Silvia",
        "Simona",
        "Viorica",
        "Denisa",
        "Erika",
        "Aneta",
        "Natasa",
    ],
    family: &[
        "Lakatos",
        "Balog",
        "Kolompar",
        "Olah",
        "Rostas",
        "Didic",
        "Ciuraru",
        "Sarkozi",
        "Horvath",
        "Dudas",
        "Gabor",
        "Kalanyos",
        "Stoica",
        "Radulescu",
    ],
};

const INDIAN: NameList = NameList {
    male: &[
        "Arjun", "Rohan", "Aarav", "Vihaan", "Kabir", "Dev", "Ishaan", "Rahul", "Amit", "Sanjay",
        "Vikram", "Harpreet", "Gurpreet", "Jaspal", "Manjit", "Rajesh", "Nikhil", "Aditya",
        "Krish", "Arun", "Pranav", "Jai", "Neel", "Sahil", "Tej",
    ],
    female: &[
        "Priya", "Ananya", "Aisha", "Diya", "Isha", "Kavya", "Meera", "Neha", "Pooja", "Riya",
        "Simran", "Navjot", "Harleen", "Jasleen", "Sunita", "Anjali", "Divya", "Tara", "Asha",
        "Nisha", "Shreya", "Amrit", "Kiran", "Leela", "Sana",
    ],
    family: &[
        "Patel", "Sharma", "Singh", "Kaur", "Gill", "Sandhu", "Mistry", "Shah", "Mehta", "Joshi",
        "Chauhan", "Parmar", "Solanki", "Dhillon", "Bains", "Sidhu", "Kumar", "Gupta", "Desai",
        "Naidu", "Reddy", "Rao", "Pillai", "Bhatt", "Thakkar", "Lad",
    ],
};

const PAKISTANI: NameList = NameList {
    male: &[
        "Muhammad", "Mohammed", "Ali", "Hamza", "Ibrahim", "Yusuf", "Zain", "Bilal", "Umar",
        "Usman", "Imran", "Adnan", "Faisal", "Tariq", "Haris", "Ayaan", "Rayyan", "Zakariya",
        "Shahid", "Asif", "Kamran", "Waqas", "Danyal", "Musa", "Idris",
    ],
    female: &[
        "Aisha", "Fatima", "Maryam", "Zainab", "Hafsa", "Amina", "Khadija", "Sana", "Ayesha",
        "Iqra", "Mehwish", "Noor", "Hira", "Sadia", "Nadia", "Rabia", "Anaya", "Inaya", "Zara",
        "Samina", "Shazia", "Humaira", "Alishba", "Hania",
    ],
    family: &[
        "Khan", "Hussain", "Ahmed", "Akhtar", "Iqbal", "Mahmood", "Shah", "Bibi", "Ali", "Rashid",
        "Butt", "Malik", "Qureshi", "Chaudhry", "Raza", "Siddiqui", "Aslam", "Bashir", "Javed",
        "Nawaz", "Saeed", "Sadiq", "Yousaf", "Anwar", "Riaz",
    ],
};

const BANGLADESHI: NameList = NameList {
    male: &[
        "Abdul", "Rahim", "Jamal", "Shahin", "Rubel", "Sabbir", "Tanvir", "Arif", "Rayhan",
        "Nabil", "Sami", "Farhan", "Ashraf", "Mizanur", "Habib", "Ismail", "Kamal",
    ],
    female: &[
        "Tahmina", "Nasrin", "Rokeya", "Sumaiya", "Jannat", "Tasnim", "Rumana", "Shirin",
        "Farzana", "Nusrat", "Sharmin", "Afsana", "Maliha", "Ruksana", "Safiya",
    ],
    family: &[
        "Miah",
        "Begum",
        "Uddin",
        "Rahman",
        "Islam",
        "Hoque",
        "Ahmed",
        "Chowdhury",
        "Hossain",
        "Ullah",
        "Alam",
        "Karim",
        "Sarkar",
        "Khatun",
        "Bhuiyan",
        "Talukder",
    ],
};

const BLACK_AFRICAN: NameList = NameList {
    male: &[
        "Emmanuel",
        "David",
        "Samuel",
        "Daniel",
        "Joshua",
        "Chinedu",
        "Obinna",
        "Tunde",
        "Oluwaseun",
        "Kwame",
        "Kofi",
        "Kwabena",
        "Yaw",
        "Tendai",
        "Tafadzwa",
        "Jabari",
        "Chukwuemeka",
        "Femi",
        "Ayo",
        "Delroy",
        "Moses",
        "Isaac",
        "Blessing",
        "Precious",
        "Divine",
        "Kelechi",
        "Segun",
        "Babajide",
    ],
    female: &[
        "Grace",
        "Blessing",
        "Precious",
        "Chioma",
        "Ngozi",
        "Adaeze",
        "Folake",
        "Funmilayo",
        "Abena",
        "Akosua",
        "Ama",
        "Esi",
        "Nia",
        "Zawadi",
        "Rutendo",
        "Nyasha",
        "Temitope",
        "Oluwakemi",
        "Chiamaka",
        "Favour",
        "Mercy",
        "Joy",
        "Comfort",
        "Deborah",
        "Esther",
        "Adwoa",
        "Ifeoma",
    ],
    family: &[
        "Okafor",
        "Okonkwo",
        "Adeyemi",
        "Oladipo",
        "Adebayo",
        "Mensah",
        "Asante",
        "Boateng",
        "Owusu",
        "Osei",
        "Appiah",
        "Moyo",
        "Ncube",
        "Dube",
        "Mutasa",
        "Chikwanha",
        "Eze",
        "Nwosu",
        "Okeke",
        "Balogun",
        "Ogunleye",
        "Addo",
        "Danso",
        "Ofori",
        "Kamara",
        "Conteh",
        "Bangura",
        "Sesay",
        "Mwangi",
        "Otieno",
    ],
};

const SOMALI: NameList = NameList {
    male: &[
        "Abdirahman",
        "Abdullahi",
        "Mohamed",
        "Ahmed",
        "Hassan",
        "Hussein",
        "Omar",
        "Yusuf",
        "Abdikadir",
        "Mustafe",
        "Liban",
        "Guled",
        "Khalid",
        "Said",
    ],
    female: &[
        "Hodan", "Hibo", "Ifrah", "Sahra", "Ayan", "Fadumo", "Hamdi", "Nimco", "Ubah", "Idil",
        "Deeqa", "Muna", "Sagal", "Ladan",
    ],
    family: &[
        "Farah", "Abdi", "Warsame", "Jama", "Osman", "Mohamud", "Aden", "Ibrahim", "Hersi",
        "Dirie", "Egal", "Nur", "Yusuf", "Guled", "Ismail",
    ],
};

const CARIBBEAN: NameList = NameList {
    male: &[
        "Marcus",
        "Jermaine",
        "Tyrone",
        "Andre",
        "Leon",
        "Devon",
        "Kai",
        "Malachi",
        "Elijah",
        "Josiah",
        "Nathaniel",
        "Jaden",
        "Reuben",
        "Winston",
        "Clive",
        "Dwayne",
        "Carlton",
        "Errol",
        "Rashad",
        "Omari",
        "Jayden",
        "Tremaine",
    ],
    female: &[
        "Keisha",
        "Shanice",
        "Tanisha",
        "Monique",
        "Jasmine",
        "Aaliyah",
        "Imani",
        "Simone",
        "Latoya",
        "Marcia",
        "Beverley",
        "Paulette",
        "Kezia",
        "Chantelle",
        "Nia",
        "Amara",
        "Destiny",
        "Jada",
        "Tiana",
        "Naomi",
    ],
    family: &[
        "Campbell", "Brown", "Williams", "Thomas", "Francis", "Grant", "Edwards", "Samuels",
        "Bailey", "Reid", "Gordon", "Henry", "Morgan", "Clarke", "Richards", "Douglas", "Gayle",
        "Bennett", "Lindo", "Forbes", "Spencer", "Barrett", "Powell", "McKenzie",
    ],
};

const ARABIC: NameList = NameList {
    male: &[
        "Ahmad", "Omar", "Khalid", "Youssef", "Karim", "Tariq", "Sami", "Hassan", "Mahmoud",
        "Rami", "Fadi", "Nabil", "Walid", "Ziad", "Anas", "Bilal", "Adam", "Yahya", "Mustafa",
        "Hadi", "Jamil", "Majid",
    ],
    female: &[
        "Layla", "Nour", "Yasmin", "Rania", "Huda", "Salma", "Amira", "Lina", "Dina", "Hala",
        "Rasha", "Farah", "Mariam", "Jana", "Reem", "Malak", "Hiba", "Sara", "Aya", "Leen",
    ],
    family: &[
        "Haddad",
        "Hamdan",
        "Nasser",
        "Khalil",
        "Mansour",
        "Saleh",
        "Abboud",
        "Darwish",
        "Haidar",
        "Jaber",
        "Qasim",
        "Suleiman",
        "Taha",
        "Younis",
        "Zaki",
        "Al-Amin",
        "Al-Hashimi",
        "Ibrahim",
        "Mahmoud",
        "Rahal",
        "Barakat",
        "Odeh",
    ],
};

const CHINESE: NameList = NameList {
    male: &[
        "Wei", "Jun", "Hao", "Ming", "Jian", "Yi", "Chen", "Kai", "Zhi", "Long", "Jason", "Kevin",
        "Eric", "Ryan", "Tony",
    ],
    female: &[
        "Mei", "Li", "Xin", "Ying", "Hui", "Lan", "Jing", "Yan", "Fang", "Min", "Grace", "Amy",
        "Joyce", "Winnie", "Vivian",
    ],
    family: &[
        "Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu", "Sun",
        "Ma", "Lin", "Wong", "Chan", "Leung", "Cheung", "Lau", "Ng",
    ],
};

const TURKISH: NameList = NameList {
    male: &[
        "Mehmet", "Mustafa", "Emre", "Burak", "Can", "Kerem", "Yusuf", "Arda", "Efe", "Deniz",
        "Hakan", "Murat", "Serkan", "Baris", "Onur", "Selim",
    ],
    female: &[
        "Elif", "Zeynep", "Ayse", "Fatma", "Merve", "Ebru", "Derya", "Selin", "Ecem", "Defne",
        "Esra", "Gul", "Hatice", "Melis", "Nazli",
    ],
    family: &[
        "Yilmaz", "Kaya", "Demir", "Celik", "Sahin", "Yildiz", "Ozturk", "Aydin", "Arslan",
        "Dogan", "Kilic", "Aslan", "Cetin", "Kurt", "Ozdemir", "Koc", "Polat", "Erdem",
    ],
};

const KURDISH: NameList = NameList {
    male: &[
        "Aras", "Baran", "Dilan", "Hevi", "Karwan", "Rebin", "Shvan", "Soran", "Zana", "Azad",
        "Hemin", "Rawand",
    ],
    female: &[
        "Berfin", "Dilan", "Hana", "Jiyan", "Nazdar", "Rojin", "Shilan", "Viyan", "Zhilwan",
        "Ronak", "Avin", "Helin",
    ],
    family: &[
        "Ahmadi",
        "Barzani",
        "Hassani",
        "Karimi",
        "Mohammadi",
        "Rasul",
        "Salih",
        "Tofiq",
        "Qadir",
        "Aziz",
        "Hama",
        "Faraj",
    ],
};

const AFGHAN: NameList = NameList {
    male: &[
        "Ahmad",
        "Mohammad",
        "Abdul",
        "Hamid",
        "Jawad",
        "Farid",
        "Najib",
        "Samiullah",
        "Rahmatullah",
        "Habibullah",
        "Wahid",
        "Mujtaba",
        "Zabihullah",
        "Noor",
    ],
    female: &[
        "Mariam", "Fatima", "Zahra", "Nargis", "Parwana", "Shabnam", "Soraya", "Farzana", "Madina",
        "Laila", "Hasina", "Nasima",
    ],
    family: &[
        "Ahmadzai",
        "Popal",
        "Sultani",
        "Rahimi",
        "Safi",
        "Stanekzai",
        "Wardak",
        "Noori",
        "Hakimi",
        "Amiri",
        "Haidari",
        "Sharifi",
        "Jalali",
        "Karimi",
    ],
};

const ERITREAN: NameList = NameList {
    male: &[
        "Yonas", "Dawit", "Tesfay", "Mehari", "Filmon", "Habtom", "Kidane", "Samuel", "Biniam",
        "Robel", "Amanuel", "Henok",
    ],
    female: &[
        "Selam", "Helen", "Senait", "Luwam", "Saba", "Mebrat", "Rahel", "Yordanos", "Semhar",
        "Feven", "Winta", "Tsega",
    ],
    family: &[
        "Tesfamariam",
        "Gebremedhin",
        "Haile",
        "Kidane",
        "Tekle",
        "Berhane",
        "Ghebre",
        "Woldu",
        "Habte",
        "Asmelash",
        "Mebrahtu",
        "Negash",
    ],
};

const VIETNAMESE: NameList = NameList {
    male: &[
        "Minh", "Duc", "Huy", "Tuan", "Quang", "Long", "Nam", "Thanh", "Khoa", "Bao", "Phuc",
        "Hieu",
    ],
    female: &[
        "Linh", "Anh", "Trang", "Huong", "Thao", "Mai", "Ngoc", "Phuong", "Lan", "Hoa", "Thu", "Vy",
    ],
    family: &[
        "Nguyen", "Tran", "Le", "Pham", "Hoang", "Phan", "Vu", "Dang", "Bui", "Do", "Ho", "Ngo",
    ],
};

const PORTUGUESE: NameList = NameList {
    male: &[
        "Joao", "Tiago", "Diogo", "Rodrigo", "Goncalo", "Miguel", "Pedro", "Rafael", "Bruno",
        "Nuno", "Ricardo", "Andre", "Luis", "Carlos",
    ],
    female: &[
        "Beatriz", "Mariana", "Ines", "Leonor", "Carolina", "Matilde", "Ana", "Sofia", "Catarina",
        "Joana", "Rita", "Sara", "Marta", "Filipa",
    ],
    family: &[
        "Silva",
        "Santos",
        "Ferreira",
        "Pereira",
        "Oliveira",
        "Costa",
        "Rodrigues",
        "Martins",
        "Sousa",
        "Fernandes",
        "Goncalves",
        "Gomes",
        "Lopes",
        "Marques",
        "Almeida",
        "Ribeiro",
        "Pinto",
        "Carvalho",
    ],
};

fn list(h: Heritage) -> &'static NameList {
    match h {
        Heritage::WhiteBritish => &BRITISH,
        Heritage::Irish => &IRISH,
        Heritage::Traveller => &TRAVELLER,
        Heritage::EasternEuropean => &EASTERN_EUROPEAN,
        Heritage::Roma => &ROMA,
        Heritage::Indian => &INDIAN,
        Heritage::Pakistani => &PAKISTANI,
        Heritage::Bangladeshi => &BANGLADESHI,
        Heritage::BlackAfrican => &BLACK_AFRICAN,
        Heritage::Somali => &SOMALI,
        Heritage::BlackCaribbean => &CARIBBEAN,
        Heritage::Arabic => &ARABIC,
        Heritage::Chinese => &CHINESE,
        Heritage::Turkish => &TURKISH,
        Heritage::Kurdish => &KURDISH,
        Heritage::Afghan => &AFGHAN,
        Heritage::Eritrean => &ERITREAN,
        Heritage::Vietnamese => &VIETNAMESE,
        Heritage::Portuguese => &PORTUGUESE,
    }
}

/// A given name for someone of this heritage and sex ("M", "F" or "U").
pub fn given<R: Draw>(rng: &mut R, h: Heritage, sex: &str) -> &'static str {
    let l = list(h);
    // A share of families of every heritage choose names from the wider British list.
    let l = if h != Heritage::WhiteBritish && rng.chance(0.12) {
        &BRITISH
    } else {
        l
    };
    match sex {
        "M" => rng.one(l.male),
        "F" => rng.one(l.female),
        _ => {
            if rng.chance(0.5) {
                rng.one(l.male)
            } else {
                rng.one(l.female)
            }
        }
    }
}

/// A family name for someone of this heritage.
pub fn family<R: Draw>(rng: &mut R, h: Heritage) -> &'static str {
    rng.one(list(h).family)
}

/// The DfE ethnicity code for a person of one heritage.
pub fn ethnicity<R: Draw>(rng: &mut R, h: Heritage) -> &'static str {
    let code = match h {
        Heritage::WhiteBritish => "WBRI",
        Heritage::Irish => "WIRI",
        Heritage::Traveller => "WIRT",
        Heritage::EasternEuropean | Heritage::Portuguese => "WOTH",
        Heritage::Roma => "WROM",
        Heritage::Indian => "AIND",
        Heritage::Pakistani => "APKN",
        Heritage::Bangladeshi => "ABAN",
        Heritage::BlackAfrican | Heritage::Somali | Heritage::Eritrean => "BAFR",
        Heritage::BlackCaribbean => {
            if rng.chance(0.15) {
                "BOTH"
            } else {
                "BCRB"
            }
        }
        Heritage::Arabic | Heritage::Kurdish => "OOTH",
        Heritage::Afghan => "AOTH",
        Heritage::Chinese => "CHNE",
        Heritage::Turkish => {
            if rng.chance(0.5) {
                "WOTH"
            } else {
                "OOTH"
            }
        }
        Heritage::Vietnamese => "AOTH",
    };
    // A small share of records have the ethnicity refused or not yet obtained.
    let u = rng.unit();
    if u < 0.004 {
        "REFU"
    } else if u < 0.012 {
        "NOBT"
    } else {
        code
    }
}

/// The ethnicity code of a child whose parents are of two different heritages.
pub fn mixed_ethnicity(a: Heritage, b: Heritage) -> &'static str {
    use Heritage::*;
    let white = |h| matches!(h, WhiteBritish | Irish | EasternEuropean | Portuguese);
    let (w, o) = if white(a) { (a, b) } else { (b, a) };
    if !white(w) {
        return "MOTH";
    }
    match o {
        BlackCaribbean => "MWBC",
        BlackAfrican | Somali | Eritrean => "MWBA",
        Indian | Pakistani | Bangladeshi | Chinese | Vietnamese | Afghan => "MWAS",
        _ if white(o) => "WOTH",
        _ => "MOTH",
    }
}

/// The main language at home for an adult of this heritage.
pub fn language<R: Draw>(rng: &mut R, h: Heritage) -> &'static str {
    let other = match h {
        Heritage::WhiteBritish | Heritage::BlackCaribbean => return "English",
        Heritage::Irish => return "English",
        Heritage::Traveller => return "English",
        Heritage::EasternEuropean => {
            rng.one(&["Polish", "Romanian", "Lithuanian", "Ukrainian", "Bulgarian"])
        }
        Heritage::Roma => rng.one(&["Romany", "Romanian", "Slovak"]),
        Heritage::Indian => rng.one(&["Gujarati", "Punjabi", "Hindi", "Tamil"]),
        Heritage::Pakistani => rng.one(&["Urdu", "Punjabi", "Pashto"]),
        Heritage::Bangladeshi => rng.one(&["Bengali", "Sylheti"]),
        Heritage::BlackAfrican => rng.one(&["Yoruba", "Igbo", "Twi", "Shona", "French", "Swahili"]),
        Heritage::Somali => "Somali",
        Heritage::Arabic => "Arabic",
        Heritage::Chinese => rng.one(&["Cantonese", "Mandarin"]),
        Heritage::Turkish => "Turkish",
        Heritage::Kurdish => rng.one(&["Kurdish (Sorani)", "Kurdish (Kurmanji)"]),
        Heritage::Afghan => rng.one(&["Pashto", "Dari"]),
        Heritage::Eritrean => "Tigrinya",
        Heritage::Vietnamese => "Vietnamese",
        Heritage::Portuguese => "Portuguese",
    };
    if rng.chance(0.35) { "English" } else { other }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::stream;

    #[test]
    fn every_heritage_has_names_and_codes_that_the_domain_accepts() {
        let mut r = stream(1, 0, 0, 0);
        for (h, _) in HERITAGE_MIX {
            for sex in ["M", "F", "U"] {
                assert!(!given(&mut r, *h, sex).is_empty());
            }
            assert!(!family(&mut r, *h).is_empty());
            let e = ethnicity(&mut r, *h);
            assert!(
                stepwise_domain::codes::check("ethnicity", e, 2025).is_ok(),
                "{e}"
            );
            for (o, _) in HERITAGE_MIX {
                let m = mixed_ethnicity(*h, *o);
                assert!(stepwise_domain::codes::check("ethnicity", m, 2025).is_ok());
            }
        }
    }
}
