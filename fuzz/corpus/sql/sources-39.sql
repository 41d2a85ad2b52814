ALTER SOURCE gen SET (rows = 2000, rate = 500);
DESCRIBE gen;
DROP SOURCE "Mixed Case";
