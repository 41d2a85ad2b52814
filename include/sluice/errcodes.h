/*
 * errcodes.h - the one table of SQLSTATEs sluice reports.
 *
 * Codes and their meaning follow PostgreSQL's errcodes.txt so that drivers
 * and tools that branch on SQLSTATE behave as they do against PostgreSQL.
 * Add a code here before using it anywhere else.
 */
#ifndef SLUICE_ERRCODES_H
#define SLUICE_ERRCODES_H

#define SL_ERRCODE_SUCCESSFUL_COMPLETION            "00000"
#define SL_ERRCODE_WARNING                          "01000"
#define SL_ERRCODE_CONNECTION_FAILURE               "08006"
#define SL_ERRCODE_PROTOCOL_VIOLATION               "08P01"
#define SL_ERRCODE_FEATURE_NOT_SUPPORTED            "0A000"
#define SL_ERRCODE_DATA_EXCEPTION                   "22000"
#define SL_ERRCODE_INVALID_TEXT_REPRESENTATION      "22P02"
#define SL_ERRCODE_INVALID_REGULAR_EXPRESSION       "2201B"
#define SL_ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE       "22003"
#define SL_ERRCODE_DIVISION_BY_ZERO                 "22012"
#define SL_ERRCODE_INVALID_DATETIME_FORMAT          "22007"
#define SL_ERRCODE_INVALID_INTERVAL_FORMAT          "22007"
#define SL_ERRCODE_ACTIVE_SQL_TRANSACTION           "25001"
#define SL_ERRCODE_NO_ACTIVE_SQL_TRANSACTION        "25P01"
#define SL_ERRCODE_INVALID_AUTHORIZATION            "28000"
#define SL_ERRCODE_INVALID_PASSWORD                 "28P01"
#define SL_ERRCODE_INVALID_CURSOR_NAME              "34000"
#define SL_ERRCODE_INSUFFICIENT_PRIVILEGE           "42501"
#define SL_ERRCODE_RESERVED_NAME                    "42939"
#define SL_ERRCODE_INVALID_GRANT_OPERATION          "0LP01"
#define SL_ERRCODE_OBJECT_IN_USE                    "55006"
#define SL_ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST    "2BP01"
#define SL_ERRCODE_SYNTAX_ERROR                     "42601"
#define SL_ERRCODE_AMBIGUOUS_COLUMN                 "42702"
#define SL_ERRCODE_UNDEFINED_COLUMN                 "42703"
#define SL_ERRCODE_UNDEFINED_FUNCTION               "42883"
#define SL_ERRCODE_UNDEFINED_TABLE                  "42P01"
#define SL_ERRCODE_UNDEFINED_PARAMETER              "42P02"
#define SL_ERRCODE_DUPLICATE_PREPARED_STATEMENT     "42P05"
#define SL_ERRCODE_DUPLICATE_CURSOR                 "42P03"
#define SL_ERRCODE_INVALID_CURSOR_NAME              "34000"
#define SL_ERRCODE_INVALID_SQL_STATEMENT_NAME       "26000"
#define SL_ERRCODE_INVALID_CURSOR_STATE             "24000"
#define SL_ERRCODE_INVALID_BINARY_REPRESENTATION    "22P03"
#define SL_ERRCODE_INVALID_PARAMETER_VALUE          "22023"
#define SL_ERRCODE_UNDEFINED_OBJECT                 "42704"
#define SL_ERRCODE_DUPLICATE_OBJECT                 "42710"
#define SL_ERRCODE_DATATYPE_MISMATCH                "42804"
#define SL_ERRCODE_GROUPING_ERROR                   "42803"
#define SL_ERRCODE_INVALID_NAME                     "42602"
#define SL_ERRCODE_NAME_TOO_LONG                    "42622"
#define SL_ERRCODE_PROGRAM_LIMIT_EXCEEDED           "54000"
#define SL_ERRCODE_STATEMENT_TOO_COMPLEX            "54001"
#define SL_ERRCODE_TOO_MANY_CONNECTIONS             "53300"
#define SL_ERRCODE_OUT_OF_MEMORY                    "53200"
#define SL_ERRCODE_DISK_FULL                        "53100"
#define SL_ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE "55000"
#define SL_ERRCODE_QUERY_CANCELED                   "57014"
#define SL_ERRCODE_ADMIN_SHUTDOWN                   "57P01"
#define SL_ERRCODE_IDLE_SESSION_TIMEOUT             "57P05"
#define SL_ERRCODE_CANNOT_CONNECT_NOW               "57P03"
#define SL_ERRCODE_IO_ERROR                         "58030"
#define SL_ERRCODE_CONFIG_FILE_ERROR                "F0000"
#define SL_ERRCODE_INTERNAL_ERROR                   "XX000"
#define SL_ERRCODE_DATA_CORRUPTED                   "XX001"
/* server: settings, transactions, client input (net) */
#define SL_ERRCODE_CANT_CHANGE_RUNTIME_PARAM   "55P02"
#define SL_ERRCODE_IN_FAILED_SQL_TRANSACTION   "25P02"
#define SL_ERRCODE_CHARACTER_NOT_IN_REPERTOIRE "22021"

/* expressions (issue 3) */
#define SL_ERRCODE_INVALID_ARGUMENT_FOR_LOG   "2201E"
#define SL_ERRCODE_INVALID_ARGUMENT_FOR_POWER "2201F"
#define SL_ERRCODE_DATETIME_FIELD_OVERFLOW    "22008"
#define SL_ERRCODE_CANNOT_COERCE              "42846"
#define SL_ERRCODE_WRONG_OBJECT_TYPE          "42809"
#define SL_ERRCODE_SUBSTRING_ERROR            "22011"

#endif
