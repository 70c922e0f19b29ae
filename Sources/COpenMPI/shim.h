#ifndef FUSIONKIT_COPENMPI_SHIM_H
#define FUSIONKIT_COPENMPI_SHIM_H

#include <mpi.h>

/* Open MPI spells its predefined handles as macros that take the address of a global object;
   Swift does not import such macros, so these functions hand them over. */
static inline MPI_Comm fusionkit_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Comm fusionkit_mpi_comm_null(void) { return MPI_COMM_NULL; }
static inline MPI_Datatype fusionkit_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype fusionkit_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Op fusionkit_mpi_sum(void) { return MPI_SUM; }
static inline MPI_Op fusionkit_mpi_max(void) { return MPI_MAX; }
static inline MPI_Errhandler fusionkit_mpi_errors_return(void) { return MPI_ERRORS_RETURN; }
static inline MPI_Request fusionkit_mpi_request_null(void) { return MPI_REQUEST_NULL; }
static inline MPI_Status *fusionkit_mpi_statuses_ignore(void) { return MPI_STATUSES_IGNORE; }
static inline MPI_Status *fusionkit_mpi_status_ignore(void) { return MPI_STATUS_IGNORE; }
static inline void *fusionkit_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline int fusionkit_mpi_max_error_string(void) { return MPI_MAX_ERROR_STRING; }

#endif
