"""Arabic formats, over Django's (which group no digits and leave date-times to the
English default "N j, Y, P"). Digits stay Latin, as everywhere on the site; the thousands
separator is the Arabic one, so "12٬345" cannot be read as a decimal (the decimal
separator stays Django's ",")."""

THOUSAND_SEPARATOR = "\u066c"
NUMBER_GROUPING = 3
DATETIME_FORMAT = "j F\u060c Y\u060c g:i A"
SHORT_DATETIME_FORMAT = "d\u200f/m\u200f/Y g:i A"
