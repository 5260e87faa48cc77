/*
 * crs_cli: the command-line side of the coordinate-system settings (api/crs_store.h) and of the
 * service area (db/validate.h):
 *
 *   radmap crs list DB
 *   radmap crs add-zone DB --lon0 DEG [--name NAME]
 *   radmap crs remove-zone DB ID
 *   radmap crs set-transformation DB EPSG:NNNN | --towgs84 DX,DY,DZ[,RX,RY,RZ,DS] [--convention C]
 *                                    | --pipeline '+proj=pipeline ...' | --default
 *   radmap service-area DB [--bbox W,S,E,N | --reset]
 *
 * argv holds what follows the command word. Each returns the exit status of main.c's convention:
 * 0 ok, 1 failure (one line on stderr, nothing written), 2 usage error.
 */
#ifndef RADMAP_CRS_CLI_H
#define RADMAP_CRS_CLI_H

int crs_cli_main(int argc, char **argv);
int service_area_cli_main(int argc, char **argv);

#endif
