/**
 * Hard negatives: pairs that read alike but must never share an answer. Semantic caches are known to match
 * these (negation, polarity, swapped entities, numbers, units, dates, direction). Used by the guard tests and
 * by bench/cacheQuality.ts.
 */
export interface AdversarialPair {
  a: string;
  b: string;
  kind: 'negation' | 'polarity' | 'entity' | 'number' | 'unit' | 'date' | 'order' | 'question';
}

export const ADVERSARIAL_PAIRS: AdversarialPair[] = [
  { kind: 'polarity', a: 'How do I turn on dark mode in VS Code?', b: 'How do I turn off dark mode in VS Code?' },
  { kind: 'polarity', a: 'How do I check if port 8080 is open?', b: 'How do I check if port 8080 is closed?' },
  { kind: 'polarity', a: 'How do I enable two-factor authentication on my account?', b: 'How do I disable two-factor authentication on my account?' },
  { kind: 'polarity', a: 'How do I install Docker on Ubuntu?', b: 'How do I uninstall Docker on Ubuntu?' },
  { kind: 'polarity', a: 'What is the best way to increase my credit score?', b: 'What is the best way to decrease my credit score?' },
  { kind: 'polarity', a: 'What are the advantages of remote work?', b: 'What are the disadvantages of remote work?' },
  { kind: 'polarity', a: 'How do I upload files to Google Drive?', b: 'How do I download files from Google Drive?' },
  { kind: 'polarity', a: 'What foods raise blood pressure quickly?', b: 'What foods lower blood pressure quickly?' },
  { kind: 'negation', a: 'Why does my code compile?', b: "Why doesn't my code compile?" },
  { kind: 'negation', a: 'Is it safe to eat raw eggs?', b: 'Is it not safe to eat raw eggs?' },
  { kind: 'negation', a: 'Which fruits have vitamin C?', b: 'Which fruits have no vitamin C?' },
  { kind: 'negation', a: 'Can I run this app with admin rights?', b: 'Can I run this app without admin rights?' },
  { kind: 'negation', a: 'What should I do when my dog eats chocolate?', b: 'What should I never do when my dog eats chocolate?' },
  { kind: 'entity', a: 'How do I install Python on Mac?', b: 'How do I install Python on Windows?' },
  { kind: 'entity', a: 'How do I install python on mac?', b: 'How do I install python on windows?' },
  { kind: 'entity', a: 'What is the capital of Austria?', b: 'What is the capital of Australia?' },
  { kind: 'entity', a: 'How do I reverse a list in Python?', b: 'How do I reverse a list in JavaScript?' },
  { kind: 'entity', a: 'What is the cost of living in Indiana compared to Ohio?', b: 'What is the cost of living in Indiana compared to Kansas?' },
  { kind: 'entity', a: 'How do I reset my iPhone to factory settings?', b: 'How do I reset my iPad to factory settings?' },
  { kind: 'entity', a: 'Who was the first president of Brazil?', b: 'Who was the first president of Argentina?' },
  { kind: 'entity', a: 'How do I connect to PostgreSQL from Node.js?', b: 'How do I connect to MySQL from Node.js?' },
  { kind: 'entity', a: 'What is new in React 18?', b: 'What is new in Angular 18?' },
  { kind: 'number', a: 'What is 15% of 80?', b: 'What is 20% of 80?' },
  { kind: 'number', a: 'Is Python 2 still supported?', b: 'Is Python 3 still supported?' },
  { kind: 'number', a: 'What happened in 1969?', b: 'What happened in 1968?' },
  { kind: 'number', a: 'What are the top three programming languages?', b: 'What are the top five programming languages?' },
  { kind: 'number', a: 'Which words start with the letter V and have 5 letters?', b: 'Which words start with the letter V and have 6 letters?' },
  { kind: 'number', a: 'How much does a 2 bedroom apartment cost in Berlin?', b: 'How much does a 3 bedroom apartment cost in Berlin?' },
  { kind: 'unit', a: 'How far is 10 km in a running race?', b: 'How far is 10 miles in a running race?' },
  { kind: 'unit', a: 'Convert 100 degrees celsius to kelvin', b: 'Convert 100 degrees fahrenheit to kelvin' },
  { kind: 'unit', a: 'How many calories are in 100 grams of rice?', b: 'How many calories are in 100 ounces of rice?' },
  { kind: 'date', a: 'What is the weather forecast for today?', b: 'What is the weather forecast for tomorrow?' },
  { kind: 'date', a: 'Which holidays are in December?', b: 'Which holidays are in November?' },
  { kind: 'date', a: 'Is the office open on Monday?', b: 'Is the office open on Sunday?' },
  { kind: 'order', a: 'How do I convert AVI to MP4?', b: 'How do I convert MP4 to AVI?' },
  { kind: 'order', a: 'How do I migrate from MySQL to PostgreSQL?', b: 'How do I migrate from PostgreSQL to MySQL?' },
  { kind: 'order', a: 'How do I translate English to French?', b: 'How do I translate French to English?' },
  { kind: 'order', a: 'Is a dog smarter than a cat?', b: 'Is a cat smarter than a dog?' },
  { kind: 'question', a: 'Why is the sky blue?', b: 'When is the sky blue?' },
  { kind: 'question', a: 'How did Rome fall?', b: 'When did Rome fall?' },
];
