SHOW application_name;
SET extra_float_digits = 3;
SET DateStyle = 'ISO';
